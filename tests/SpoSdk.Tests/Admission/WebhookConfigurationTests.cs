using k8s;
using k8s.Models;
using SpoSdk.Admission;
using SpoSdk.Admission.Configuration;
using SpoSdk.Api.V1;

namespace SpoSdk.Tests.Admission;

/// <summary>The generated webhook configurations, after upstream's <c>bindata/webhook_test.go</c>, and SPOD <c>spec.webhook</c>.</summary>
public sealed class WebhookConfigurationTests
{
    [Fact]
    public void Defaults_have_binding_and_recording_failing_closed_behind_their_namespace_labels()
    {
        var set = WebhookConfigurationBuilder.Build(null)!;

        Assert.Equal("spo-mutating-webhook-configuration", set.Mutating.Metadata.Name);
        Assert.Equal("security-profiles-operator/webhook-cert", set.Mutating.Metadata.Annotations["cert-manager.io/inject-ca-from"]);
        Assert.Equal([SpoWebhooks.BindingName, SpoWebhooks.RecordingName], set.Mutating.Webhooks.Select(w => w.Name).ToArray());

        var binding = set.Mutating.Webhooks[0];
        Assert.Equal("Fail", binding.FailurePolicy);
        Assert.Equal(["CREATE", "DELETE"], binding.Rules.Single().Operations);
        Assert.Equal(["pods"], binding.Rules.Single().Resources);
        Assert.Equal(SpoWebhooks.BindingPath, binding.ClientConfig.Service.Path);
        Assert.Equal("webhook-service", binding.ClientConfig.Service.Name);
        Assert.Equal("security-profiles-operator", binding.ClientConfig.Service.NamespaceProperty);
        Assert.Equal("spo.x-k8s.io/enable-binding", binding.NamespaceSelector.MatchExpressions.Single().Key);
        Assert.Equal("Exists", binding.NamespaceSelector.MatchExpressions.Single().OperatorProperty);
        Assert.Equal(["security-profiles-operator", "security-profiles-operator-webhook"], binding.ObjectSelector.MatchExpressions.Single().Values);
        Assert.Equal("NoneOnDryRun", binding.SideEffects);
        Assert.Equal(["v1", "v1beta1"], binding.AdmissionReviewVersions);

        var recording = set.Mutating.Webhooks[1];
        Assert.Equal(["CREATE", "UPDATE", "DELETE"], recording.Rules.Single().Operations);
        Assert.Equal("spo.x-k8s.io/enable-recording", recording.NamespaceSelector.MatchExpressions.Single().Key);
        Assert.Equal(SpoWebhooks.RecordingPath, recording.ClientConfig.Service.Path);
    }

    [Fact]
    public void The_validating_configuration_covers_both_raw_selinux_versions_and_ignores_webhook_options()
    {
        var spod = Spod(new SpodWebhookOptions { Name = SpoWebhooks.RawSelinuxProfileValidationName, FailurePolicy = "Ignore" });

        var hook = WebhookConfigurationBuilder.Build(spod)!.Validating.Webhooks.Single();

        Assert.Equal(SpoWebhooks.RawSelinuxProfileValidationName, hook.Name);
        Assert.Equal("Fail", hook.FailurePolicy);
        Assert.Equal(["CREATE", "UPDATE"], hook.Rules.Single().Operations);
        Assert.Equal(["security-profiles-operator.x-k8s.io"], hook.Rules.Single().ApiGroups);
        Assert.Equal(["v1", "v1alpha2"], hook.Rules.Single().ApiVersions);
        Assert.Equal(["rawselinuxprofiles"], hook.Rules.Single().Resources);
        Assert.Equal(SpoWebhooks.RawSelinuxProfileValidationPath, hook.ClientConfig.Service.Path);
        Assert.Null(hook.NamespaceSelector);
        Assert.Null(hook.ObjectSelector);
    }

    [Fact]
    public void The_json_enricher_adds_the_two_exec_metadata_hooks_failing_open()
    {
        var spod = new SecurityProfilesOperatorDaemon { Metadata = new V1ObjectMeta { Name = "spod" }, Spec = new SecurityProfilesOperatorDaemonSpec { Enricher = new() { EnableJsonEnricher = true } } };

        var hooks = WebhookConfigurationBuilder.Build(spod)!.Mutating.Webhooks;

        Assert.Equal(4, hooks.Count);
        var exec = hooks.Single(h => h.Name == SpoWebhooks.ExecMetadataName);
        Assert.Equal("Ignore", exec.FailurePolicy);
        Assert.Equal(["*"], exec.Rules.Single().Operations);
        Assert.Equal(["pods/exec", "pods/ephemeralcontainers"], exec.Rules.Single().Resources);
        var debug = hooks.Single(h => h.Name == SpoWebhooks.NodeDebuggingPodName);
        Assert.Equal("Ignore", debug.FailurePolicy);
        Assert.Equal(SpoWebhooks.ExecMetadataPath, debug.ClientConfig.Service.Path);
        Assert.Equal("kubectl-debug", debug.ObjectSelector.MatchLabels["app.kubernetes.io/managed-by"]);
        Assert.Equal(2, WebhookConfigurationBuilder.Build(spod, new WebhookConfigurationOptions { ExecMetadata = false })!.Mutating.Webhooks.Count);
    }

    [Fact]
    public void Webhook_options_override_failure_policy_and_selectors_by_name()
    {
        var spod = Spod(
            new SpodWebhookOptions
            {
                Name = SpoWebhooks.BindingName,
                FailurePolicy = "Ignore",
                NamespaceSelector = new SpodLabelSelector { MatchLabels = new Dictionary<string, string> { ["team"] = "a" } },
            },
            new SpodWebhookOptions
            {
                Name = SpoWebhooks.RecordingName,
                ObjectSelector = new SpodLabelSelector { MatchExpressions = [new SpodLabelSelectorRequirement { Key = "record", Operator = "In", Values = ["yes"] }] },
            },
            new SpodWebhookOptions { Name = "unknown.spo.io", FailurePolicy = "Ignore" });

        var hooks = WebhookConfigurationBuilder.Build(spod)!.Mutating.Webhooks;

        Assert.Equal("Ignore", hooks[0].FailurePolicy);
        Assert.Equal("a", hooks[0].NamespaceSelector.MatchLabels["team"]);
        Assert.Null(hooks[0].NamespaceSelector.MatchExpressions);
        Assert.Equal("security-profiles-operator", hooks[0].ObjectSelector.MatchExpressions.Single().Values[0]);

        Assert.Equal("Fail", hooks[1].FailurePolicy);
        Assert.Equal("spo.x-k8s.io/enable-recording", hooks[1].NamespaceSelector.MatchExpressions.Single().Key);
        Assert.Equal("record", hooks[1].ObjectSelector.MatchExpressions.Single().Key);
        Assert.Equal(["yes"], hooks[1].ObjectSelector.MatchExpressions.Single().Values);
    }

    [Fact]
    public void Static_config_means_the_operator_manages_no_configuration()
    {
        var spod = new SecurityProfilesOperatorDaemon { Metadata = new V1ObjectMeta { Name = "spod" }, Spec = new SecurityProfilesOperatorDaemonSpec { Webhook = new() { StaticConfig = true } } };

        Assert.Null(WebhookConfigurationBuilder.Build(spod));
    }

    [Fact]
    public void Ca_injection_and_service_settings_are_honoured()
    {
        var openShift = WebhookConfigurationBuilder.Build(null, new WebhookConfigurationOptions { CaInjection = CaInjection.OpenShift, Namespace = "spo", ServicePort = 8443, TimeoutSeconds = 5 })!;
        var bundle = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"u8.ToArray();
        var explicitCa = WebhookConfigurationBuilder.Build(null, new WebhookConfigurationOptions { CaInjection = CaInjection.None, CaBundle = bundle })!;

        Assert.Equal("true", openShift.Mutating.Metadata.Annotations["service.beta.openshift.io/inject-cabundle"]);
        Assert.Equal("true", openShift.Validating.Metadata.Annotations["service.beta.openshift.io/inject-cabundle"]);
        Assert.All(openShift.Mutating.Webhooks, h => Assert.Equal(("spo", 8443, 5), (h.ClientConfig.Service.NamespaceProperty, h.ClientConfig.Service.Port, h.TimeoutSeconds)));
        Assert.Null(explicitCa.Mutating.Metadata.Annotations);
        Assert.Equal(bundle, explicitCa.Validating.Webhooks[0].ClientConfig.CaBundle);
        Assert.Throws<ArgumentException>(() => WebhookConfigurationBuilder.Build(null, new WebhookConfigurationOptions { CaInjection = CaInjection.None }));
    }

    [Fact]
    public void The_objects_serialize_as_the_api_server_expects()
    {
        var json = KubernetesJson.Serialize(WebhookConfigurationBuilder.Build(null)!.Mutating);

        Assert.Contains("\"apiVersion\":\"admissionregistration.k8s.io/v1\"", json, StringComparison.Ordinal);
        Assert.Contains("\"kind\":\"MutatingWebhookConfiguration\"", json, StringComparison.Ordinal);
        Assert.Contains("\"caBundle\":\"Cg==\"", json, StringComparison.Ordinal);
        Assert.Contains("\"path\":\"/mutate-v1-pod-binding\"", json, StringComparison.Ordinal);
    }

    private static SecurityProfilesOperatorDaemon Spod(params SpodWebhookOptions[] options) => new()
    {
        Metadata = new V1ObjectMeta { Name = "spod", NamespaceProperty = "security-profiles-operator" },
        Spec = new SecurityProfilesOperatorDaemonSpec { Webhook = new SecurityProfilesOperatorDaemonWebhook { Options = options } },
    };
}
