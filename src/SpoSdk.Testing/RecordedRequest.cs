namespace SpoSdk.Testing;

/// <summary>A request the test server received, for tests that check what a client asked for.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="PathAndQuery">The path and query string as sent.</param>
/// <param name="Accept">The Accept header, if any.</param>
/// <param name="ContentType">The Content-Type header, if any.</param>
/// <param name="StatusCode">The status code answered (200 for a watch, whatever it later reported).</param>
public sealed record RecordedRequest(string Method, string PathAndQuery, string? Accept, string? ContentType, int StatusCode);
