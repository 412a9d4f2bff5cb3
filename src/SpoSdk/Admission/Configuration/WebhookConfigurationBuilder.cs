using k8s.Models;
using SpoSdk.Api.Naming;
using SpoSdk.Api.V1;

namespace SpoSdk.Admission.Configuration;

/// <summary>How the API server learns the CA that signed the webhook's serving certificate.</summary>
public enum CaInjection
{
    /// <summary>cert-manager's CA injector: annotation <c>cert-manager.io/inject-ca-from: &lt;namespace&gt;/webhook-cert</c>.</summary>
    CertManager,

    /// <summary>OpenShift's service CA: annotation <c>service.beta.openshift.io/inject-cabundle: "true"</c>.</summary>
    OpenShift,

    /// <summary>No injector: <see cref="WebhookConfigurationOptions.CaBundle"/> is written as given.</summary>
    None,
}

/// <summary>Where the webhooks are reached and how they are trusted.</summary>
public sealed record WebhookConfigurationOptions
{
    /// <summary>The operator namespace (the Service's namespace).</summary>
    public string Namespace { get; init; } = "security-profiles-operator";

    /// <summary>The webhook Service's name.</summary>
    public string ServiceName { get; init; } = "webhook-service";

    /// <summary>The Service port; null for the API server's default (443).</summary>
    public int? ServicePort { get; init; }

    /// <summary>How the CA bundle gets there.</summary>
    public CaInjection CaInjection { get; init; } = CaInjection.CertManager;

    /// <summary>
    /// The PEM CA bundle. Null writes upstream's placeholder (<c>Cg==</c>, a newline) for the injector
    /// to replace; with <see cref="CaInjection.None"/> it must be set.
    /// </summary>
    public byte[]? CaBundle { get; init; }

    /// <summary>The cert-manager Certificate the CA comes from, as <c>namespace/name</c>; null for <c>&lt;Namespace&gt;/webhook-cert</c>.</summary>
    public string? CertManagerCertificate { get; init; }

    /// <summary>How long the API server waits for an answer.</summary>
    public int TimeoutSeconds { get; init; } = WebhookConfigurationBuilder.DefaultTimeoutSeconds;

    /// <summary>
    /// Whether the exec-metadata webhooks are wanted; null decides from the SPOD
    /// (<c>spec.enricher.enableJsonEnricher</c>), as upstream (which also honours the
    /// <c>ENABLE_JSON_ENRICHER</c> environment variable: pass true for that).
    /// </summary>
    public bool? ExecMetadata { get; init; }
}

/// <summary>The webhook configurations the operator keeps in the cluster.</summary>
/// <param name="Mutating"><c>spo-mutating-webhook-configuration</c>: binding, recording and, with the JSON enricher, exec metadata.</param>
/// <param name="Validating"><c>spo-validating-webhook-configuration</c>: RawSelinuxProfile validation.</param>
public sealed record WebhookConfigurationSet(V1MutatingWebhookConfiguration Mutating, V1ValidatingWebhookConfiguration Validating);

/// <summary>
/// Builds the Mutating/ValidatingWebhookConfiguration objects as upstream's
/// <c>internal/pkg/manager/spod/bindata/webhook.go</c> does, from the SPOD's <c>spec.webhook</c>.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>webhook.staticConfig: true</c> → <see cref="Build"/> returns null: the operator must not
/// create or update the configurations (an administrator manages them).</item>
/// <item><c>webhook.options[]</c> are matched by name against the mutating webhooks only
/// (<c>binding.spo.io</c>, <c>recording.spo.io</c>, <c>execmetadata.spo.io</c>,
/// <c>nodedebuggingpod.spo.io</c>); a set <c>failurePolicy</c>, <c>namespaceSelector</c> or
/// <c>objectSelector</c> replaces the default. The validating webhook is not affected.</item>
/// <item>Defaults: binding and recording fail closed and only see namespaces labelled
/// <c>spo.x-k8s.io/enable-binding</c> / <c>spo.x-k8s.io/enable-recording</c>, and never the
/// operator's own pods (object label <c>name</c> not in <c>security-profiles-operator</c>,
/// <c>security-profiles-operator-webhook</c>); exec metadata fails open.</item>
/// <item>Operations follow upstream after its #3304 fix: binding CREATE and DELETE (never UPDATE),
/// recording CREATE, UPDATE and DELETE. Validation covers <c>rawselinuxprofiles</c> v1 and v1alpha2.</item>
/// <item>Different from upstream, on purpose: <c>admissionReviewVersions: [v1, v1beta1]</c> (both are
/// served); binding and recording declare <c>sideEffects: NoneOnDryRun</c> — they write bookkeeping,
/// but not on dry runs — where upstream claimed <c>None</c> and wrote anyway; timeout 10 s rather
/// than 30 s, so a slow webhook holds pod creation up for less (the handlers answer within
/// their own budget, below it).</item>
/// </list>
/// </remarks>
public static class WebhookConfigurationBuilder
{
    /// <summary>The mutating configuration's name.</summary>
    public const string MutatingConfigurationName = "spo-mutating-webhook-configuration";

    /// <summary>The validating configuration's name.</summary>
    public const string ValidatingConfigurationName = "spo-validating-webhook-configuration";

    /// <summary>The default <c>timeoutSeconds</c>.</summary>
    public const int DefaultTimeoutSeconds = 10;

    private const string OperatorName = "security-profiles-operator";
    private const string WebhookDeploymentName = OperatorName + "-webhook";
    private const string Placeholder = "\n";

    /// <summary>
    /// The configurations for <paramref name="spod"/> (null for upstream's defaults), or null when
    /// the SPOD asks for <c>webhook.staticConfig</c>.
    /// </summary>
    public static WebhookConfigurationSet? Build(SecurityProfilesOperatorDaemon? spod, WebhookConfigurationOptions? options = null)
    {
        options ??= new WebhookConfigurationOptions();
        if (spod?.Spec?.Webhook?.StaticConfig == true)
        {
            return null;
        }

        if (options.CaInjection == CaInjection.None && options.CaBundle is not { Length: > 0 })
        {
            throw new ArgumentException("Without a CA injector the CA bundle must be given.", nameof(options));
        }

        var execMetadata = options.ExecMetadata ?? spod?.Spec?.Enricher?.EnableJsonEnricher == true;
        var mutating = new V1MutatingWebhookConfiguration
        {
            ApiVersion = "admissionregistration.k8s.io/v1",
            Kind = "MutatingWebhookConfiguration",
            Metadata = new V1ObjectMeta { Name = MutatingConfigurationName, Annotations = CaAnnotations(options) },
            Webhooks = MutatingWebhooks(options, execMetadata),
        };
        foreach (var hook in mutating.Webhooks)
        {
            Apply(hook, spod?.Spec?.Webhook?.Options);
        }

        var validating = new V1ValidatingWebhookConfiguration
        {
            ApiVersion = "admissionregistration.k8s.io/v1",
            Kind = "ValidatingWebhookConfiguration",
            Metadata = new V1ObjectMeta { Name = ValidatingConfigurationName, Annotations = CaAnnotations(options) },
            Webhooks =
            [
                new V1ValidatingWebhook
                {
                    Name = SpoWebhooks.RawSelinuxProfileValidationName,
                    FailurePolicy = "Fail",
                    SideEffects = "None",
                    TimeoutSeconds = options.TimeoutSeconds,
                    AdmissionReviewVersions = ["v1", "v1beta1"],
                    ClientConfig = ClientConfig(options, SpoWebhooks.RawSelinuxProfileValidationPath),
                    Rules = [Rule(["CREATE", "UPDATE"], RawSelinuxProfile.KubeGroup, ["v1", "v1alpha2"], ["rawselinuxprofiles"])],
                },
            ],
        };
        return new WebhookConfigurationSet(mutating, validating);
    }

    private static List<V1MutatingWebhook> MutatingWebhooks(WebhookConfigurationOptions options, bool execMetadata)
    {
        var hooks = new List<V1MutatingWebhook>
        {
            PodHook(options, SpoWebhooks.BindingName, SpoWebhooks.BindingPath, ["CREATE", "DELETE"], SpoLabels.EnableBinding),
            PodHook(options, SpoWebhooks.RecordingName, SpoWebhooks.RecordingPath, ["CREATE", "UPDATE", "DELETE"], SpoLabels.EnableRecording),
        };
        if (execMetadata)
        {
            hooks.Add(new V1MutatingWebhook
            {
                Name = SpoWebhooks.ExecMetadataName,
                FailurePolicy = "Ignore",
                SideEffects = "None",
                TimeoutSeconds = options.TimeoutSeconds,
                ReinvocationPolicy = "IfNeeded",
                AdmissionReviewVersions = ["v1", "v1beta1"],
                ClientConfig = ClientConfig(options, SpoWebhooks.ExecMetadataPath),
                Rules = [Rule(["*"], string.Empty, ["v1"], ["pods/exec", "pods/ephemeralcontainers"])],
            });
            hooks.Add(new V1MutatingWebhook
            {
                Name = SpoWebhooks.NodeDebuggingPodName,
                FailurePolicy = "Ignore",
                SideEffects = "None",
                TimeoutSeconds = options.TimeoutSeconds,
                ReinvocationPolicy = "IfNeeded",
                AdmissionReviewVersions = ["v1", "v1beta1"],
                ClientConfig = ClientConfig(options, SpoWebhooks.ExecMetadataPath),
                Rules = [Rule(["CREATE"], string.Empty, ["v1"], ["pods"])],
                ObjectSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = "kubectl-debug" } },
            });
        }

        return hooks;
    }

    private static V1MutatingWebhook PodHook(WebhookConfigurationOptions options, string name, string path, List<string> operations, string namespaceLabel) => new()
    {
        Name = name,
        FailurePolicy = "Fail",
        SideEffects = "NoneOnDryRun",
        TimeoutSeconds = options.TimeoutSeconds,
        ReinvocationPolicy = "IfNeeded",
        AdmissionReviewVersions = ["v1", "v1beta1"],
        ClientConfig = ClientConfig(options, path),
        Rules = [Rule(operations, string.Empty, ["v1"], ["pods"])],
        ObjectSelector = new V1LabelSelector
        {
            MatchExpressions = [new V1LabelSelectorRequirement { Key = "name", OperatorProperty = "NotIn", Values = [OperatorName, WebhookDeploymentName] }],
        },
        NamespaceSelector = new V1LabelSelector
        {
            MatchExpressions = [new V1LabelSelectorRequirement { Key = namespaceLabel, OperatorProperty = "Exists" }],
        },
    };

    // Upstream's applyWebhookOptions: per hook, every option of the same name; set fields win.
    private static void Apply(V1MutatingWebhook hook, IList<SpodWebhookOptions>? options)
    {
        foreach (var option in options ?? [])
        {
            if (option?.Name != hook.Name)
            {
                continue;
            }

            if (option.FailurePolicy is { } failurePolicy)
            {
                hook.FailurePolicy = failurePolicy;
            }

            if (option.NamespaceSelector is { } namespaceSelector)
            {
                hook.NamespaceSelector = Convert(namespaceSelector);
            }

            if (option.ObjectSelector is { } objectSelector)
            {
                hook.ObjectSelector = Convert(objectSelector);
            }
        }
    }

    private static V1LabelSelector Convert(SpodLabelSelector selector) => new()
    {
        MatchLabels = selector.MatchLabels is null ? null : new Dictionary<string, string>(selector.MatchLabels),
        MatchExpressions = selector.MatchExpressions?.Select(e => new V1LabelSelectorRequirement
        {
            Key = e.Key,
            OperatorProperty = e.Operator,
            Values = e.Values?.ToList(),
        }).ToList(),
    };

    private static V1RuleWithOperations Rule(List<string> operations, string group, List<string> versions, List<string> resources) => new()
    {
        Operations = operations,
        ApiGroups = [group],
        ApiVersions = versions,
        Resources = resources,
    };

    private static Admissionregistrationv1WebhookClientConfig ClientConfig(WebhookConfigurationOptions options, string path) => new()
    {
        CaBundle = options.CaBundle ?? System.Text.Encoding.ASCII.GetBytes(Placeholder),
        Service = new Admissionregistrationv1ServiceReference
        {
            Name = options.ServiceName,
            NamespaceProperty = options.Namespace,
            Path = path,
            Port = options.ServicePort,
        },
    };

    private static Dictionary<string, string>? CaAnnotations(WebhookConfigurationOptions options) => options.CaInjection switch
    {
        CaInjection.CertManager => new Dictionary<string, string> { ["cert-manager.io/inject-ca-from"] = options.CertManagerCertificate ?? options.Namespace + "/webhook-cert" },
        CaInjection.OpenShift => new Dictionary<string, string> { ["service.beta.openshift.io/inject-cabundle"] = "true" },
        _ => null,
    };
}
