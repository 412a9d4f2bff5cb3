namespace SpoSdk.Admission;

/// <summary>
/// One admission webhook's logic: request in, verdict out, with no HTTP in sight. Hosts run it
/// through <see cref="AdmissionReviewProcessor"/>, which decodes the review, enforces the time
/// budget and turns exceptions into <see cref="Failed"/> verdicts.
/// </summary>
public interface IAdmissionHandler
{
    /// <summary>The webhook's name, for logs and messages (e.g. <c>binding.spo.io</c>).</summary>
    string Name { get; }

    /// <summary>Decides about one request. May throw; the processor answers with <see cref="Failed"/> then.</summary>
    ValueTask<AdmissionResponse> HandleAsync(AdmissionRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// The verdict when handling failed or ran out of time: refused with the code for a webhook that
    /// enforces something, allowed unchanged (with a warning) for one that only adds metadata.
    /// </summary>
    AdmissionResponse Failed(int code, string message);
}
