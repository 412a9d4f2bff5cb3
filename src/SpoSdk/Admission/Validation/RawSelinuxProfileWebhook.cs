using System.Text.Json;
using SpoSdk.Api.Schema;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.Validation;

namespace SpoSdk.Admission.Validation;

/// <summary>
/// <c>/validate-rawselinuxprofile</c>: refuses a RawSelinuxProfile whose <c>spec.policy</c> could
/// escape the block the node wraps it in (api.md §12), with the same
/// <see cref="RawSelinuxPolicyValidator.ValidateProfile"/> the reconciler and <c>spoc validate</c> use.
/// </summary>
/// <remarks>
/// Objects of both served versions are accepted and both are held to the v1 rules. Upstream decoded
/// every request into the v1 type with a non-converting decoder, so a v1alpha2 object could not even
/// be judged, and its v1alpha2 rules are weaker than what the node enforces before installing; an
/// object the node will refuse is refused here, at the API, where the user sees why. An object that
/// does not decode gets 400 (upstream <c>admission.Errored(400)</c>); a bad policy is denied (403)
/// with the validator's message; DELETE and CONNECT are allowed.
/// </remarks>
public sealed class RawSelinuxProfileWebhook : IAdmissionHandler
{
    private const string V1ApiVersion = Api.V1.RawSelinuxProfile.KubeGroup + "/" + Api.V1.RawSelinuxProfile.KubeApiVersion;

    /// <inheritdoc />
    public string Name => SpoWebhooks.RawSelinuxProfileValidationName;

    /// <inheritdoc />
    public AdmissionResponse Failed(int code, string message) => AdmissionResponse.Errored(code, message);

    /// <inheritdoc />
    public ValueTask<AdmissionResponse> HandleAsync(AdmissionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ValueTask.FromResult(Handle(request));
    }

    private static AdmissionResponse Handle(AdmissionRequest request)
    {
        if (request.Operation is AdmissionOperation.Delete or AdmissionOperation.Connect)
        {
            return AdmissionResponse.Allow();
        }

        if (request.Operation == AdmissionOperation.Unknown)
        {
            return AdmissionResponse.Errored(400, "unsupported operation " + request.OperationName);
        }

        if (!request.HasObject)
        {
            return AdmissionResponse.Errored(400, "the request has no object");
        }

        ISpoObject profile;
        try
        {
            profile = Decode(request.Object);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            return AdmissionResponse.Errored(400, "could not decode the RawSelinuxProfile: " + ex.Message);
        }

        // Only a policy that changes is judged: an update of anything else (the daemon removing its finalizer, a
        // label, a storage-version rewrite) must not be refused because the stored policy predates the rules in force,
        // or the object could never be deleted.
        if (request.Operation == AdmissionOperation.Update && request.HasOldObject && UnchangedPolicy(request.OldObject, profile))
        {
            return AdmissionResponse.Allow();
        }

        var policyLength = (Policy(profile) ?? string.Empty).Length;
        if (policyLength > RawSelinuxPolicyValidator.MaxPolicyLength)
        {
            return AdmissionResponse.Deny("spec.policy is longer than " + RawSelinuxPolicyValidator.MaxPolicyLength + " characters");
        }

        return RawSelinuxPolicyValidator.ValidateProfile(profile) is { } violation
            ? AdmissionResponse.Deny(violation.Message)
            : AdmissionResponse.Allow();
    }

    private static bool UnchangedPolicy(JsonElement oldObject, ISpoObject profile)
    {
        try
        {
            return string.Equals(Policy(Decode(oldObject)), Policy(profile), StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            // An old object that does not decode proves nothing: judge the new one.
            return false;
        }
    }

    // The object's own apiVersion picks the model; the kind must be RawSelinuxProfile.
    private static ISpoObject Decode(JsonElement obj)
    {
        var apiVersion = obj.TryGetProperty("apiVersion"u8, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : V1ApiVersion;
        var kind = obj.TryGetProperty("kind"u8, out var k) && k.ValueKind == JsonValueKind.String ? k.GetString()! : Api.V1.RawSelinuxProfile.KubeKind;
        if (kind != Api.V1.RawSelinuxProfile.KubeKind)
        {
            throw new ArgumentException("expected kind RawSelinuxProfile, got " + kind);
        }

#pragma warning disable CS0618 // the legacy version is exactly what is decoded here
        return apiVersion switch
        {
            V1ApiVersion => obj.Deserialize<Api.V1.RawSelinuxProfile>(SpoJsonOptions.Lenient)!,
            Api.V1Alpha2.RawSelinuxProfile.KubeGroup + "/" + Api.V1Alpha2.RawSelinuxProfile.KubeApiVersion => obj.Deserialize<Api.V1Alpha2.RawSelinuxProfile>(SpoJsonOptions.Lenient)!,
            _ => throw new ArgumentException("RawSelinuxProfile is not served in " + apiVersion),
        };
    }

    private static string? Policy(ISpoObject profile) => profile switch
    {
        Api.V1.RawSelinuxProfile v1 => v1.Spec?.Policy,
        Api.V1Alpha2.RawSelinuxProfile legacy => legacy.Spec?.Policy,
        _ => null,
    };
#pragma warning restore CS0618
}
