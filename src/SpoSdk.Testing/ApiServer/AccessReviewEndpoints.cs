using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace SpoSdk.Testing.ApiServer;

/// <summary>
/// <c>POST /apis/authentication.k8s.io/v1/tokenreviews</c> and <c>POST /apis/authorization.k8s.io/v1/subjectaccessreviews</c>,
/// answered from <see cref="AccessReviewRules"/>, in the real API server's shape: the review comes back (201) with its
/// <c>status</c> filled in; nothing is stored.
/// </summary>
internal static class AccessReviewEndpoints
{
    public static bool Matches(string[] segments) =>
        segments is ["apis", "authentication.k8s.io", "v1", "tokenreviews"] or ["apis", "authorization.k8s.io", "v1", "subjectaccessreviews"];

    public static async Task HandleAsync(HttpContext context, string[] segments, AccessReviewRules rules, int maxBodyBytes)
    {
        var ct = context.RequestAborted;
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            await WriteAsync(context, ApiError.MethodNotAllowed()).ConfigureAwait(false);
            return;
        }

        JsonObject review;
        try
        {
            review = await ReadAsync(context.Request, maxBodyBytes, ct).ConfigureAwait(false);
        }
        catch (ApiError error)
        {
            await WriteAsync(context, error).ConfigureAwait(false);
            return;
        }

        var spec = review["spec"] as JsonObject;
        JsonObject status;
        if (segments[3] == "tokenreviews")
        {
            var token = (string?)spec?["token"];
            var user = string.IsNullOrEmpty(token) ? null : rules.Authenticate(token);
            status = user is { } known
                ? new JsonObject
                {
                    ["authenticated"] = true,
                    ["user"] = new JsonObject
                    {
                        ["username"] = known.User,
                        ["uid"] = known.Uid,
                        ["groups"] = new JsonArray([.. known.Groups.Select(g => (JsonNode?)g)]),
                    },
                }
                : new JsonObject { ["authenticated"] = false, ["error"] = "invalid bearer token" };
            spec?.Remove("token");
        }
        else
        {
            var user = (string?)spec?["user"] ?? string.Empty;
            var groups = (spec?["groups"] as JsonArray)?.Select(g => (string?)g ?? string.Empty).ToArray() ?? [];
            var attributes = spec?["nonResourceAttributes"] as JsonObject;
            var allowed = attributes is not null
                && rules.IsAllowed(user, groups, (string?)attributes["verb"] ?? string.Empty, (string?)attributes["path"] ?? string.Empty);
            status = allowed
                ? new JsonObject { ["allowed"] = true, ["reason"] = "allowed by the test server's rules" }
                : new JsonObject { ["allowed"] = false };
        }

        review["metadata"] ??= new JsonObject();
        review["status"] = status;
        await ResourceEndpoints.WriteJsonAsync(context.Response, 201, review, ct).ConfigureAwait(false);
    }

    private static async Task<JsonObject> ReadAsync(HttpRequest request, int maxBodyBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBodyBytes)
        {
            throw ApiError.TooLarge(maxBodyBytes);
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBodyBytes)
            {
                throw ApiError.TooLarge(maxBodyBytes);
            }

            buffer.Write(chunk, 0, read);
        }

        try
        {
            return JsonNode.Parse(buffer.ToArray()) as JsonObject ?? throw ApiError.BadRequest("the review must be a JSON object");
        }
        catch (JsonException ex)
        {
            throw ApiError.BadRequest("the review is not valid JSON: " + ex.Message);
        }
    }

    private static Task WriteAsync(HttpContext context, ApiError error) =>
        ResourceEndpoints.WriteJsonAsync(context.Response, error.Code, ApiStatus.From(error, null, null), context.RequestAborted);
}
