using SpoSdk.Migration;

namespace SpoSdk.Tests.Migration;

/// <summary>
/// <see cref="ManifestMigrator"/> on one shape at a time, with the exact expected text: what a rule
/// does not rewrite (comments, quoting, key order, indentation, blank lines) must come out unchanged.
/// </summary>
public sealed class ManifestMigratorTests
{
    private const string Recording = """
        apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
        kind: ProfileRecording
        metadata:
          name: r{0}
        spec:
          kind: SeccompProfile
          recorder: logs
          podSelector:
            matchLabels:
              app: demo

        """;

    private readonly ManifestMigrator _migrator = new();

    [Fact]
    public void Seccomp_disabled_true_becomes_state_disabled_and_apiVersion_v1()
    {
        var result = Migrate("""
            # web profile
            apiVersion: "security-profiles-operator.x-k8s.io/v1beta1"
            kind: SeccompProfile
            metadata:
              name: web   # keep me
            spec:
              disabled: true # off for now
              defaultAction: 'SCMP_ACT_ERRNO'
              syscalls:
              - action: SCMP_ACT_ALLOW
                names: [read, write]
            """);

        Assert.Equal(Yaml("""
            # web profile
            apiVersion: "security-profiles-operator.x-k8s.io/v1"
            kind: SeccompProfile
            metadata:
              name: web   # keep me
            spec:
              state: Disabled # off for now
              defaultAction: 'SCMP_ACT_ERRNO'
              syscalls:
              - action: SCMP_ACT_ALLOW
                names: [read, write]
            """), result.Text);
        Assert.Equal(
            [
                "f.yaml#1 SeccompProfile/web: $.apiVersion: security-profiles-operator.x-k8s.io/v1beta1 -> security-profiles-operator.x-k8s.io/v1",
                "f.yaml#1 SeccompProfile/web: $.spec.disabled: replaced by $.spec.state: Disabled",
            ],
            result.Changes.Select(c => c.ToString()));
    }

    [Fact]
    public void Seccomp_disabled_false_in_flow_style_becomes_state_enabled()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1beta1
            kind: SeccompProfile
            metadata: {name: p}
            spec: {"disabled": false, defaultAction: SCMP_ACT_LOG}
            """);

        Assert.Equal(Yaml("""
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SeccompProfile
            metadata: {name: p}
            spec: {"state": "Enabled", defaultAction: SCMP_ACT_LOG}
            """), result.Text);
    }

    [Fact]
    public void Json_document_stays_json()
    {
        var result = Migrate("""
            {
              "apiVersion": "security-profiles-operator.x-k8s.io/v1alpha1",
              "kind": "AppArmorProfile",
              "metadata": {"name": "p"},
              "spec": {"complainMode": true, "disabled": false}
            }
            """);

        Assert.Equal(Yaml("""
            {
              "apiVersion": "security-profiles-operator.x-k8s.io/v1",
              "kind": "AppArmorProfile",
              "metadata": {"name": "p"},
              "spec": {"mode": "Complain", "state": "Enabled"}
            }
            """), result.Text);
    }

    [Fact]
    public void Conversion_data_annotation_is_left_for_the_converter()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: SecurityProfilesOperatorDaemon
            metadata:
              name: spod
              annotations:
                spo.x-k8s.io/conversion-data: '{"from":"v1","entries":[]}'
            spec:
              verbosity: 1
            """);

        Assert.Equal(["f.yaml#1 SecurityProfilesOperatorDaemon/spod: $.metadata.annotations['spo.x-k8s.io/conversion-data']: cannot migrate in place: the object holds data set aside by a conversion; convert it with 'spoc convert --to v1' instead"], result.Problems.Select(p => p.ToString()));
        Assert.False(result.IsChanged);
    }

    [Fact]
    public void Selinux_permissive_becomes_mode_and_disabled_becomes_state()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha2
            kind: SelinuxProfile
            metadata:
              name: errorlogger
            spec:
              disabled: false
              permissive: True
              inherit:
                - kind: System
                  name: container
              allow:
                '@self':
                  tcp_socket:
                    - listen
            """);

        Assert.Equal(Yaml("""
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SelinuxProfile
            metadata:
              name: errorlogger
            spec:
              state: Enabled
              mode: Permissive
              inherit:
                - kind: System
                  name: container
              allow:
                '@self':
                  tcp_socket:
                    - listen
            """), result.Text);
        Assert.Empty(result.Problems);
    }

    [Fact]
    public void Selinux_permissive_false_becomes_enforcing()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha2
            kind: SelinuxProfile
            metadata: {name: s}
            spec:
              permissive: false
            """);

        Assert.Equal(Yaml("""
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SelinuxProfile
            metadata: {name: s}
            spec:
              mode: Enforcing
            """), result.Text);
    }

    [Fact]
    public void Raw_selinux_disabled_becomes_state()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha2
            kind: RawSelinuxProfile
            metadata:
              name: raw
            spec:
              disabled: true
              policy: |
                (blockinherit container)
                (allow process var_log_t ( dir ( open read getattr lock search ioctl add_name remove_name write )))
            """);

        Assert.Equal(Yaml("""
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: RawSelinuxProfile
            metadata:
              name: raw
            spec:
              state: Disabled
              policy: |
                (blockinherit container)
                (allow process var_log_t ( dir ( open read getattr lock search ioctl add_name remove_name write )))
            """), result.Text);
    }

    [Fact]
    public void AppArmor_complainMode_becomes_mode_and_disabled_becomes_state()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: AppArmorProfile
            metadata:
              name: sleep
            spec:
              complainMode: true
              disabled: false
              abstract:
                filesystem:
                  readOnlyPaths: [/etc/hosts]
            ---
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: AppArmorProfile
            metadata:
              name: strict
            spec:
              complainMode: false
            """);

        Assert.Equal(Yaml("""
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: AppArmorProfile
            metadata:
              name: sleep
            spec:
              mode: Complain
              state: Enabled
              abstract:
                filesystem:
                  readOnlyPaths: [/etc/hosts]
            ---
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: AppArmorProfile
            metadata:
              name: strict
            spec:
              mode: Enforce
            """), result.Text);
    }

    [Fact]
    public void Recording_kind_ApparmorProfile_and_enum_spellings_come_from_the_conversion_maps()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: ProfileRecording
            metadata:
              name: rec
              namespace: apps
            spec:
              kind: ApparmorProfile
              recorder: "bpf"
              mergeStrategy: 'containers' # merge replicas
              podSelector:
                matchLabels:
                  app: web
            """);

        Assert.Equal(Yaml("""
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: ProfileRecording
            metadata:
              name: rec
              namespace: apps
            spec:
              kind: AppArmorProfile
              recorder: "Bpf"
              mergeStrategy: 'Containers' # merge replicas
              podSelector:
                matchLabels:
                  app: web
            """), result.Text);
        Assert.Equal(
            [
                "f.yaml#1 ProfileRecording/apps/rec: $.apiVersion: security-profiles-operator.x-k8s.io/v1alpha1 -> security-profiles-operator.x-k8s.io/v1",
                "f.yaml#1 ProfileRecording/apps/rec: $.spec.kind: ApparmorProfile -> AppArmorProfile",
                "f.yaml#1 ProfileRecording/apps/rec: $.spec.recorder: bpf -> Bpf",
                "f.yaml#1 ProfileRecording/apps/rec: $.spec.mergeStrategy: containers -> Containers",
            ],
            result.Changes.Select(c => c.ToString()));
    }

    [Fact]
    public void Recording_empty_recorder_takes_upstream_default()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: ProfileRecording
            metadata: {name: rec, namespace: apps}
            spec: {kind: SeccompProfile, recorder: "", podSelector: {}}
            """);

        Assert.Equal(Yaml("""
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: ProfileRecording
            metadata: {name: rec, namespace: apps}
            spec: {kind: SeccompProfile, recorder: "Logs", podSelector: {}}
            """), result.Text);
    }

    [Fact]
    public void Binding_only_changes_apiVersion()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: ProfileBinding
            metadata:
              name: nginx-binding
            spec:
              profileRef:
                kind: SeccompProfile
                name: profile-complain
              image: nginx:1.19.1
            """);

        Assert.Equal(Yaml("""
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: ProfileBinding
            metadata:
              name: nginx-binding
            spec:
              profileRef:
                kind: SeccompProfile
                name: profile-complain
              image: nginx:1.19.1
            """), result.Text);
    }

    [Fact]
    public void Node_status_top_level_fields_move_under_spec_and_status()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: SecurityProfileNodeStatus
            metadata:
              name: web-node1
              labels:
                spo.x-k8s.io/node-name: node1
            # the node
            nodeName: node1
            status: Installed   # as of today
            """);

        Assert.Equal(Yaml("""
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SecurityProfileNodeStatus
            metadata:
              name: web-node1
              labels:
                spo.x-k8s.io/node-name: node1
            spec:
              # the node
              nodeName: node1
            status:
              status: Installed   # as of today
            """), result.Text);
        Assert.Equal(
            [
                "f.yaml#1 SecurityProfileNodeStatus/web-node1: $.apiVersion: security-profiles-operator.x-k8s.io/v1alpha1 -> security-profiles-operator.x-k8s.io/v1",
                "f.yaml#1 SecurityProfileNodeStatus/web-node1: $.nodeName: moved to $.spec.nodeName",
                "f.yaml#1 SecurityProfileNodeStatus/web-node1: $.status: moved to $.status.status",
            ],
            result.Changes.Select(c => c.ToString()));
    }

    [Fact]
    public void Node_status_nodeName_merges_into_empty_flow_spec()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: SecurityProfileNodeStatus
            metadata:
                name: web-node1
            spec: {}
            nodeName: node1
            """);

        Assert.Equal(Yaml("""
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SecurityProfileNodeStatus
            metadata:
                name: web-node1
            spec:
                nodeName: node1
            """), result.Text);
    }

    [Fact]
    public void Spod_selinux_fields_move_into_a_new_selinux_group()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: SecurityProfilesOperatorDaemon
            metadata:
              name: spod
              namespace: security-profiles-operator
            spec:
              # SELinux on the nodes
              enableSelinux: true
              selinuxTypeTag: "spc_t"
              selinuxOptions:
                allowedSystemProfiles:
                - container
                - net_container
              verbosity: 1
            """);

        Assert.Equal(Yaml("""
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SecurityProfilesOperatorDaemon
            metadata:
              name: spod
              namespace: security-profiles-operator
            spec:
              selinux:
                # SELinux on the nodes
                enable: true
                typeTag: "spc_t"
                options:
                  allowedSystemProfiles:
                  - container
                  - net_container
              verbosity: 1
            """), result.Text);
        Assert.Equal(
            [
                "f.yaml#1 SecurityProfilesOperatorDaemon/security-profiles-operator/spod: $.apiVersion: security-profiles-operator.x-k8s.io/v1alpha1 -> security-profiles-operator.x-k8s.io/v1",
                "f.yaml#1 SecurityProfilesOperatorDaemon/security-profiles-operator/spod: $.spec.enableSelinux: moved to $.spec.selinux.enable",
                "f.yaml#1 SecurityProfilesOperatorDaemon/security-profiles-operator/spod: $.spec.selinuxTypeTag: moved to $.spec.selinux.typeTag",
                "f.yaml#1 SecurityProfilesOperatorDaemon/security-profiles-operator/spod: $.spec.selinuxOptions: moved to $.spec.selinux.options",
            ],
            result.Changes.Select(c => c.ToString()));
    }

    [Fact]
    public void Spod_enricher_fields_move_with_block_scalars_and_enum_spelling()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: SecurityProfilesOperatorDaemon
            metadata:
              name: spod
            spec:
              enableLogEnricher: true
              logEnricherFilters: |
                [{"priority": 100, "level": "Metadata"}]
              logEnricherSource: auditd
              enableJsonEnricher: false
              jsonEnricherFilters: >-
                []
              jsonEnricherOptions:
                auditLogPath: /var/log/audit.log # rotated daily
                auditLogMaxSize: 10
              enableBpfRecorder: true
            """);

        Assert.Equal(Yaml("""
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SecurityProfilesOperatorDaemon
            metadata:
              name: spod
            spec:
              enricher:
                enableLogEnricher: true
                logEnricherFilters: |
                  [{"priority": 100, "level": "Metadata"}]
                logEnricherSource: Auditd
                enableJsonEnricher: false
                jsonEnricherFilters: >-
                  []
                jsonEnricherOptions:
                  auditLogPath: /var/log/audit.log # rotated daily
                  auditLogMaxSize: 10
                enableBpfRecorder: true
            """), result.Text);
    }

    [Fact]
    public void Spod_webhook_scheduling_and_security_fields_move_into_their_groups()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: SecurityProfilesOperatorDaemon
            metadata:
              name: spod
            spec:
              staticWebhookConfig: true
              webhookOptions:
              - name: binding.spo.io
                failurePolicy: Ignore
              tolerations:
              - operator: Exists
              affinity:
                nodeAffinity:
                  requiredDuringSchedulingIgnoredDuringExecution:
                    nodeSelectorTerms:
                    - matchExpressions:
                      - {key: kubernetes.io/os, operator: In, values: [linux]}
              priorityClassName: system-node-critical

              allowedSyscalls: [read, write]
              allowedSeccompActions:
              - SCMP_ACT_LOG
              disableOciArtifactSignatureVerification: true
            """);

        Assert.Equal(Yaml("""
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SecurityProfilesOperatorDaemon
            metadata:
              name: spod
            spec:
              webhook:
                staticConfig: true
                options:
                - name: binding.spo.io
                  failurePolicy: Ignore
              scheduling:
                tolerations:
                - operator: Exists
                affinity:
                  nodeAffinity:
                    requiredDuringSchedulingIgnoredDuringExecution:
                      nodeSelectorTerms:
                      - matchExpressions:
                        - {key: kubernetes.io/os, operator: In, values: [linux]}
                priorityClassName: system-node-critical

              security:
                allowedSyscalls: [read, write]
                allowedSeccompActions:
                - SCMP_ACT_LOG
                disableOciArtifactSignatureVerification: true
            """), result.Text);
    }

    [Fact]
    public void Spod_flat_fields_merge_into_existing_groups()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: SecurityProfilesOperatorDaemon
            metadata:
              name: spod
            spec:
              enableSelinux: true
              selinux:
                # already grouped
                enableRawSelinuxProfiles: false
                # trailing note of the group
              enricher: {}
              priorityClassName: high
              verbosity: 0
            """);

        Assert.Equal(Yaml("""
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SecurityProfilesOperatorDaemon
            metadata:
              name: spod
            spec:
              selinux:
                # already grouped
                enableRawSelinuxProfiles: false
                # trailing note of the group
                enable: true
              enricher: {}
              scheduling:
                priorityClassName: high
              verbosity: 0
            """), result.Text);
    }

    [Fact]
    public void Spod_flat_fields_turn_an_empty_flow_group_into_a_block()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: SecurityProfilesOperatorDaemon
            metadata:
              name: spod
            spec:
              webhook: {}  # to be filled
              staticWebhookConfig: false
            """);

        Assert.Equal(Yaml("""
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SecurityProfilesOperatorDaemon
            metadata:
              name: spod
            spec:
              webhook:  # to be filled
                staticConfig: false
            """), result.Text);
    }

    [Fact]
    public void Spod_flat_field_equal_to_its_grouped_twin_is_removed()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: SecurityProfilesOperatorDaemon
            metadata:
              name: spod
            spec:
              # old spelling
              enableSelinux: true
              selinux:
                enable: true
            """);

        Assert.Equal(Yaml("""
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SecurityProfilesOperatorDaemon
            metadata:
              name: spod
            spec:
              selinux:
                enable: true
            """), result.Text);
        Assert.Contains(result.Changes, c => c.ToString().EndsWith("$.spec.enableSelinux: removed (same value as $.spec.selinux.enable)", StringComparison.Ordinal));
    }

    [Fact]
    public void Spod_with_four_space_indentation_keeps_it()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: SecurityProfilesOperatorDaemon
            metadata:
                name: spod
            spec:
                enableLogEnricher: true
                tolerations:
                    -   key: a
                        operator: Exists
            """);

        Assert.Equal(Yaml("""
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SecurityProfilesOperatorDaemon
            metadata:
                name: spod
            spec:
                enricher:
                    enableLogEnricher: true
                scheduling:
                    tolerations:
                        -   key: a
                            operator: Exists
            """), result.Text);
    }

    [Fact]
    public void Spod_status_state_takes_v1_spelling()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: SecurityProfilesOperatorDaemon
            metadata:
              name: spod
            status:
              state: RUNNING
            """);

        Assert.Equal(Yaml("""
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SecurityProfilesOperatorDaemon
            metadata:
              name: spod
            status:
              state: Running
            """), result.Text);
    }

    [Fact]
    public void Multi_document_stream_changes_only_spo_documents()
    {
        const string Deployment = """
            # not ours
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, labels: {disabled: "true"}}
            spec:
              replicas: 1   # odd spacing stays
              template:
                spec:
                  containers: [{name: web, image: "nginx"}]
            """;
        var input = Yaml(Deployment + """

            ---
            apiVersion: security-profiles-operator.x-k8s.io/v1beta1
            kind: SeccompProfile
            metadata: {name: p}
            spec:
              defaultAction: SCMP_ACT_LOG
            ...
            --- # a comment-only document is skipped

            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: c}
            data: {nodeName: x, enableSelinux: "true"}
            ---
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SeccompProfile
            metadata: {name: already}
            spec: {defaultAction: SCMP_ACT_LOG}
            """);

        var result = _migrator.Migrate(input, "f.yaml");

        Assert.Empty(result.Problems);
        Assert.Equal(input.Replace("x-k8s.io/v1beta1", "x-k8s.io/v1", StringComparison.Ordinal), result.Text);
        Assert.Equal(
            ["f.yaml#2 SeccompProfile/p: $.apiVersion: security-profiles-operator.x-k8s.io/v1beta1 -> security-profiles-operator.x-k8s.io/v1"],
            result.Changes.Select(c => c.ToString()));
    }

    [Fact]
    public void Crlf_text_keeps_crlf_everywhere_including_inserted_lines()
    {
        var input = Yaml("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: SecurityProfilesOperatorDaemon
            metadata:
              name: spod
            spec:
              enableSelinux: true
              tolerations:
              - operator: Exists
            ---
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: SecurityProfileNodeStatus
            metadata:
              name: p-n
            nodeName: n
            status: Pending
            """).Replace("\n", "\r\n", StringComparison.Ordinal);

        var result = _migrator.Migrate(input, "f.yaml");

        Assert.Empty(result.Problems);
        Assert.Equal(Yaml("""
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SecurityProfilesOperatorDaemon
            metadata:
              name: spod
            spec:
              selinux:
                enable: true
              scheduling:
                tolerations:
                - operator: Exists
            ---
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SecurityProfileNodeStatus
            metadata:
              name: p-n
            spec:
              nodeName: n
            status:
              status: Pending
            """).Replace("\n", "\r\n", StringComparison.Ordinal), result.Text);
    }

    [Fact]
    public void Text_without_final_line_break_stays_without_one()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: SecurityProfilesOperatorDaemon
            metadata:
              name: spod
            spec:
              verbosity: 1
              enableBpfRecorder: true
            """, addFinalLineBreak: false);

        Assert.Equal("""
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SecurityProfilesOperatorDaemon
            metadata:
              name: spod
            spec:
              verbosity: 1
              enricher:
                enableBpfRecorder: true
            """, result.Text);
    }

    [Fact]
    public void Byte_order_mark_stays_first()
    {
        var result = Migrate("\uFEFFapiVersion: security-profiles-operator.x-k8s.io/v1alpha1\nkind: SecurityProfileNodeStatus\nnodeName: n\nmetadata:\n  name: x\n", addFinalLineBreak: false);

        Assert.Equal("\uFEFFapiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SecurityProfileNodeStatus\nspec:\n  nodeName: n\nmetadata:\n  name: x\n", result.Text);
    }

    [Fact]
    public void Already_v1_text_is_returned_unchanged()
    {
        var input = Yaml("""
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SecurityProfilesOperatorDaemon
            metadata: {name: spod, namespace: security-profiles-operator}
            spec:
              selinux: {enable: true}
              enricher:
                logEnricherSource: Bpf
            """);

        var result = _migrator.Migrate(input, "f.yaml");

        Assert.Same(input, result.Text);
        Assert.False(result.IsChanged);
        Assert.False(result.ShouldWrite);
        Assert.Empty(result.Changes);
        Assert.Empty(result.Problems);
    }

    [Fact]
    public void V1_document_still_in_a_pre_1_0_shape_is_reshaped()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: AppArmorProfile
            metadata: {name: p}
            spec:
              complainMode: false
            """);

        Assert.Equal(Yaml("""
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: AppArmorProfile
            metadata: {name: p}
            spec:
              mode: Enforce
            """), result.Text);
        Assert.Equal(["f.yaml#1 AppArmorProfile/p: $.spec.complainMode: replaced by $.spec.mode: Enforce"], result.Changes.Select(c => c.ToString()));
    }

    [Fact]
    public void Disabled_equal_to_state_is_removed()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1beta1
            kind: SeccompProfile
            metadata: {name: p}
            spec:
              state: Disabled
              # legacy
              disabled: true
              defaultAction: SCMP_ACT_LOG
            """);

        Assert.Equal(Yaml("""
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SeccompProfile
            metadata: {name: p}
            spec:
              state: Disabled
              defaultAction: SCMP_ACT_LOG
            """), result.Text);
    }

    [Fact]
    public void Disabled_conflicting_with_state_is_a_problem_and_nothing_changes_in_that_document()
    {
        var input = Yaml("""
            apiVersion: security-profiles-operator.x-k8s.io/v1beta1
            kind: SeccompProfile
            metadata: {name: p}
            spec: {state: Enabled, disabled: true, defaultAction: SCMP_ACT_LOG}
            ---
            apiVersion: security-profiles-operator.x-k8s.io/v1beta1
            kind: SeccompProfile
            metadata: {name: q}
            spec: {defaultAction: SCMP_ACT_LOG}
            """);

        var result = _migrator.Migrate(input, "f.yaml");

        Assert.Equal(["f.yaml#1 SeccompProfile/p: $.spec.disabled: cannot migrate: disabled: true conflicts with state: Enabled"], result.Problems.Select(p => p.ToString()));
        Assert.False(result.ShouldWrite);
        Assert.Equal(input, result.OriginalText);
        Assert.StartsWith(Yaml("""
            apiVersion: security-profiles-operator.x-k8s.io/v1beta1
            kind: SeccompProfile
            metadata: {name: p}
            spec: {state: Enabled, disabled: true, defaultAction: SCMP_ACT_LOG}
            """), result.Text, StringComparison.Ordinal);
        Assert.Equal(["f.yaml#2 SeccompProfile/q: $.apiVersion: security-profiles-operator.x-k8s.io/v1beta1 -> security-profiles-operator.x-k8s.io/v1"], result.Changes.Select(c => c.ToString()));
    }

    [Fact]
    public void Spod_flat_field_conflicting_with_group_is_a_problem()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: SecurityProfilesOperatorDaemon
            metadata: {name: spod, namespace: spo}
            spec:
              enableSelinux: false
              selinux:
                enable: true
            """);

        Assert.Equal(["f.yaml#1 SecurityProfilesOperatorDaemon/spo/spod: $.spec.enableSelinux: cannot migrate: conflicts with $.spec.selinux.enable"], result.Problems.Select(p => p.ToString()));
        Assert.False(result.IsChanged);
        Assert.Empty(result.Changes);
    }

    [Fact]
    public void Node_status_nodeName_conflicting_with_spec_is_a_problem()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: SecurityProfileNodeStatus
            metadata: {name: x}
            nodeName: a
            spec:
              nodeName: b
            """);

        Assert.Equal(["f.yaml#1 SecurityProfileNodeStatus/x: $.nodeName: cannot migrate: conflicts with $.spec.nodeName"], result.Problems.Select(p => p.ToString()));
        Assert.False(result.IsChanged);
    }

    [Fact]
    public void Flow_style_spod_spec_is_reported_not_rewritten()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: SecurityProfilesOperatorDaemon
            metadata: {name: spod}
            spec: {enableSelinux: true, verbosity: 1}
            """);

        Assert.Equal(["f.yaml#1 SecurityProfilesOperatorDaemon/spod: $.spec: cannot migrate flow-style $.spec automatically; rewrite it in block style first"], result.Problems.Select(p => p.ToString()));
        Assert.False(result.IsChanged);
    }

    [Fact]
    public void Non_empty_flow_style_group_is_reported_not_rewritten()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: SecurityProfilesOperatorDaemon
            metadata: {name: spod}
            spec:
              selinux: {enableRawSelinuxProfiles: true}
              enableSelinux: true
            """);

        Assert.Equal(["f.yaml#1 SecurityProfilesOperatorDaemon/spod: $.spec.selinux: cannot migrate flow-style $.spec.selinux automatically; rewrite it in block style first"], result.Problems.Select(p => p.ToString()));
        Assert.False(result.IsChanged);
    }

    [Fact]
    public void Flow_style_node_status_is_reported_not_rewritten()
    {
        var result = Migrate("""
            {"apiVersion": "security-profiles-operator.x-k8s.io/v1alpha1", "kind": "SecurityProfileNodeStatus", "metadata": {"name": "x"}, "nodeName": "n"}
            """);

        Assert.Equal(["f.yaml#1 SecurityProfileNodeStatus/x: $: cannot migrate flow-style $ automatically; rewrite it in block style first"], result.Problems.Select(p => p.ToString()));
        Assert.False(result.IsChanged);
    }

    [Fact]
    public void Disabled_that_is_no_boolean_is_a_problem()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1beta1
            kind: SeccompProfile
            metadata: {name: p}
            spec: {disabled: "yes", defaultAction: SCMP_ACT_LOG}
            """);

        Assert.Equal(["f.yaml#1 SeccompProfile/p: $.spec.disabled: cannot migrate: expected true or false, found \"yes\""], result.Problems.Select(p => p.ToString()));
        Assert.False(result.IsChanged);
    }

    [Fact]
    public void Result_that_does_not_validate_as_v1_is_a_problem_with_the_validator_message()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1beta1
            kind: SeccompProfile
            metadata: {name: p}
            spec:
              disabled: true
              defaultAction: SCMP_ACT_SOMETIMES
              targetWorkload: web
            """);

        Assert.Equal(
            [
                "f.yaml#1 SeccompProfile/p: $.spec.defaultAction: Unsupported value: \"SCMP_ACT_SOMETIMES\": supported values: \"SCMP_ACT_KILL\", \"SCMP_ACT_KILL_PROCESS\", \"SCMP_ACT_KILL_THREAD\", \"SCMP_ACT_TRAP\", \"SCMP_ACT_ERRNO\", \"SCMP_ACT_TRACE\", \"SCMP_ACT_ALLOW\", \"SCMP_ACT_LOG\", \"SCMP_ACT_NOTIFY\"",
                "f.yaml#1 SeccompProfile/p: $.spec.targetWorkload: unknown field \"targetWorkload\"",
            ],
            result.Problems.Select(p => p.ToString()).Order(StringComparer.Ordinal));
        Assert.False(result.IsChanged);
        Assert.Empty(result.Changes);
    }

    [Fact]
    public void Unknown_recorder_value_is_left_for_validation_to_report()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: ProfileRecording
            metadata: {name: r, namespace: n}
            spec: {kind: SeccompProfile, recorder: ebpf, podSelector: {}}
            """);

        var problem = Assert.Single(result.Problems);
        Assert.StartsWith("f.yaml#1 ProfileRecording/n/r: $.spec.recorder: Unsupported value: \"ebpf\"", problem.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Syntax_error_is_a_problem_with_line_and_column()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1beta1
            kind: SeccompProfile
            spec: [
            """);

        var problem = Assert.Single(result.Problems);
        Assert.Matches(@"^f\.yaml#1: line \d+, column \d+: ", problem.ToString());
        Assert.False(result.IsChanged);
    }

    [Fact]
    public void Other_groups_and_unknown_kinds_are_left_alone()
    {
        var input = Yaml("""
            apiVersion: example.com/v1alpha1
            kind: SeccompProfile
            spec: {disabled: true}
            ---
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: SomethingElse
            spec: {disabled: true}
            ---
            - a list document
            ---
            just a string
            """);

        var result = _migrator.Migrate(input, "f.yaml");

        Assert.Same(input, result.Text);
        Assert.Empty(result.Problems);
    }

    [Fact]
    public void Keep_chomping_block_scalar_moves_with_its_trailing_lines()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: SecurityProfilesOperatorDaemon
            metadata:
              name: spod
            spec:
              logEnricherFilters: |+
                []

              verbosity: 1
            """);

        Assert.Equal(Yaml("""
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SecurityProfilesOperatorDaemon
            metadata:
              name: spod
            spec:
              enricher:
                logEnricherFilters: |+
                  []

              verbosity: 1
            """), result.Text);
    }

    [Fact]
    public void Empty_group_and_empty_values_are_handled()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: SecurityProfilesOperatorDaemon
            metadata:
              name: spod
            spec:
              security:   # filled by migrate
              allowedSyscalls:
              enableSelinux: ~
            ---
            apiVersion: security-profiles-operator.x-k8s.io/v1beta1
            kind: SeccompProfile
            metadata: {name: p}
            spec:
              disabled:
              defaultAction: SCMP_ACT_LOG
            """);

        Assert.Empty(result.Problems);
        Assert.Equal(Yaml("""
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SecurityProfilesOperatorDaemon
            metadata:
              name: spod
            spec:
              security:   # filled by migrate
                allowedSyscalls:
              selinux:
                enable: ~
            ---
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SeccompProfile
            metadata: {name: p}
            spec:
              state: Enabled
              defaultAction: SCMP_ACT_LOG
            """), result.Text);
    }

    [Fact]
    public void Comments_around_moved_fields_stay_with_the_right_neighbours()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: SecurityProfilesOperatorDaemon
            metadata:
              name: spod
            spec:
                # odd indentation: not the key's, so it stays
              # about the tolerations
              tolerations:
              - operator: Exists
                # a toleration for later
                # - key: gpu
              # about verbosity
              verbosity: 1
            # about status
            status:
              state: PENDING
            ...
            """);

        Assert.Equal(Yaml("""
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SecurityProfilesOperatorDaemon
            metadata:
              name: spod
            spec:
                # odd indentation: not the key's, so it stays
              scheduling:
                # about the tolerations
                tolerations:
                - operator: Exists
                  # a toleration for later
                  # - key: gpu
              # about verbosity
              verbosity: 1
            # about status
            status:
              state: Pending
            ...
            """), result.Text);
    }

    [Fact]
    public void Move_that_would_put_an_alias_before_its_anchor_is_a_problem()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: SecurityProfilesOperatorDaemon
            metadata:
              name: spod
            spec:
              enableSelinux: &on true
              enableAppArmor: *on
              selinux:
                typeTag: spc_t
            ---
            apiVersion: security-profiles-operator.x-k8s.io/v1beta1
            kind: SeccompProfile
            metadata: {name: p}
            spec: {defaultAction: SCMP_ACT_LOG}
            """);

        var problem = Assert.Single(result.Problems);
        Assert.StartsWith("f.yaml#1 SecurityProfilesOperatorDaemon/spod: cannot migrate automatically: the result would not be valid YAML: ", problem.ToString(), StringComparison.Ordinal);
        Assert.Equal(["f.yaml#2 SeccompProfile/p: $.apiVersion: security-profiles-operator.x-k8s.io/v1beta1 -> security-profiles-operator.x-k8s.io/v1"], result.Changes.Select(c => c.ToString()));
        Assert.Contains("\n  enableSelinux: &on true\n", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Valid_migration_of_one_document_is_undone_when_its_result_does_not_validate()
    {
        var result = Migrate("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: SecurityProfilesOperatorDaemon
            metadata:
              name: spod
            spec:
              enableSelinux: true
              verbosity: -1
            ---
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: SecurityProfileNodeStatus
            metadata: {name: s}
            nodeName: n
            """);

        Assert.Equal(["f.yaml#1 SecurityProfilesOperatorDaemon/spod: $.spec.verbosity: Invalid value: -1: should be greater than or equal to 0"], result.Problems.Select(p => p.ToString()));
        Assert.Equal(Yaml("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: SecurityProfilesOperatorDaemon
            metadata:
              name: spod
            spec:
              enableSelinux: true
              verbosity: -1
            ---
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SecurityProfileNodeStatus
            metadata: {name: s}
            spec:
              nodeName: n
            """), result.Text);
        Assert.All(result.Changes, c => Assert.Equal(2, c.DocumentIndex));
    }

    // Two removals in one flow mapping, the second of its last entry, once overlapped and made SourceText.Apply throw.
    [Theory]
    [InlineData("apiVersion: security-profiles-operator.x-k8s.io/v1alpha2\nkind: SelinuxProfile\nmetadata: {name: s}\nspec: {state: Disabled, mode: Permissive, disabled: true, permissive: true}\n", "spec: {state: Disabled, mode: Permissive}\n")]
    [InlineData("apiVersion: security-profiles-operator.x-k8s.io/v1alpha1\nkind: AppArmorProfile\nmetadata: {name: a}\nspec: {state: Enabled, mode: Complain, disabled: false, complainMode: true}\n", "spec: {state: Enabled, mode: Complain}\n")]
    public void Two_redundant_legacy_fields_at_the_end_of_a_flow_spec_do_not_throw(string text, string spec)
    {
        var result = _migrator.Migrate(text, "f.yaml");

        Assert.Empty(result.Problems);
        Assert.True(result.ShouldWrite);
        Assert.EndsWith(spec, result.Text, StringComparison.Ordinal);
    }

    // YamlDotNet throws framework exceptions for these; they are syntax errors, as validate reports them.
    [Theory]
    [InlineData("!<> x")]
    [InlineData("\"\\UFFFFFFFF\"")]
    public void Malformed_tag_or_escape_is_a_syntax_problem_not_an_exception(string value)
    {
        var text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: " + value + "\n---\n" + string.Format(null, Recording, 1);

        var result = _migrator.Migrate(text, "f.yaml");

        var problem = Assert.Single(result.Problems);
        Assert.Equal(6, problem.Line);
        Assert.Contains("malformed YAML", problem.Message, StringComparison.Ordinal);
        Assert.Same(text, result.Text);
        Assert.False(result.ShouldWrite);
    }

    // Nesting the YAML reader accepts (up to 256 levels) must not exceed what the JSON decoding allows.
    [Fact]
    public void Deep_nesting_under_the_yaml_limit_is_a_problem_not_an_exception()
    {
        var text = "apiVersion: security-profiles-operator.x-k8s.io/v1alpha1\nkind: SecurityProfilesOperatorDaemon\nmetadata:\n  name: spod\nspec:\n  enableSelinux: true\n  affinity: "
            + new string('[', 200) + new string(']', 200) + "\n";

        var result = _migrator.Migrate(text, "f.yaml");

        var problem = Assert.Single(result.Problems);
        Assert.Equal("$.spec.scheduling.affinity", problem.Path);
        Assert.False(result.ShouldWrite);
        Assert.Same(text, result.Text);
    }

    // One document whose edits break YAML (an anchored enum value used by an alias) once made every edited
    // document re-apply and re-parse the whole text: 2000 documents took 89 s.
    [Fact]
    public void One_unmigratable_document_among_many_does_not_take_quadratic_time()
    {
        var bad = Recording.Replace("recorder: logs", "recorder: &r logs", StringComparison.Ordinal).Replace("app: demo", "app: *r", StringComparison.Ordinal);
        var text = string.Join("---\n", Enumerable.Range(0, 2000).Select(i => string.Format(null, Recording, i)).Append(string.Format(null, bad, "bad")));

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = _migrator.Migrate(text, "f.yaml");
        watch.Stop();

        var problem = Assert.Single(result.Problems);
        Assert.Equal(2001, problem.DocumentIndex);
        Assert.Contains("not be valid YAML", problem.Message, StringComparison.Ordinal);
        Assert.Equal(2000, result.Changes.Select(c => c.DocumentIndex).Distinct().Count());

        // Linear work takes well under a second; the bound is generous for a loaded machine.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), "took " + watch.Elapsed);
    }

    [Fact]
    public void Problems_in_a_late_document_name_it()
    {
        var bad = "apiVersion: security-profiles-operator.x-k8s.io/v1alpha1\nkind: SecurityProfilesOperatorDaemon\nmetadata:\n  name: spod\nspec:\n  enableSelinux: true\n  verbosity: -1\n";
        var text = string.Join("---\n", Enumerable.Range(0, 3).Select(i => string.Format(null, Recording, i)).Append(bad));

        var result = _migrator.Migrate(text, "f.yaml");

        Assert.Equal(["f.yaml#4 SecurityProfilesOperatorDaemon/spod: $.spec.verbosity: Invalid value: -1: should be greater than or equal to 0"], result.Problems.Select(p => p.ToString()));
    }

    // Inside a block scalar a whitespace-only line as long as the block's indentation is content.
    [Fact]
    public void Moving_a_literal_block_keeps_whitespace_only_content_lines()
    {
        var text = "apiVersion: security-profiles-operator.x-k8s.io/v1alpha1\nkind: SecurityProfilesOperatorDaemon\nmetadata:\n  name: spod\nspec:\n"
            + "  jsonEnricherFilters: |\n    [{\"priority\": 100,\n      \n\n    \"level\": \"Metadata\"}]\n";

        var result = _migrator.Migrate(text, "f.yaml");

        Assert.True(result.ShouldWrite, string.Join("\n", result.Problems));
        Assert.EndsWith("spec:\n  enricher:\n    jsonEnricherFilters: |\n      [{\"priority\": 100,\n        \n\n      \"level\": \"Metadata\"}]\n", result.Text, StringComparison.Ordinal);
        var serializer = new SpoSdk.Api.Serialization.SpoSerializer();
        var after = serializer.ToJsonNode(serializer.Read(result.Text).Objects.Single());
        Assert.Equal("[{\"priority\": 100,\n  \n\n\"level\": \"Metadata\"}]\n", after["spec"]!["enricher"]!["jsonEnricherFilters"]!.GetValue<string>());
    }

    private static string Yaml(string text) => text + "\n";

    private MigrationResult Migrate(string text, bool addFinalLineBreak = true)
    {
        var result = _migrator.Migrate(addFinalLineBreak ? Yaml(text) : text, "f.yaml");
        return result;
    }
}
