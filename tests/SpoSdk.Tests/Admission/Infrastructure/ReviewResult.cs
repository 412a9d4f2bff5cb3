using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace SpoSdk.Tests.Admission.Infrastructure;

/// <summary>A webhook's HTTP answer, with the response review taken apart.</summary>
internal sealed record ReviewResult(HttpStatusCode Status, string Text, JsonObject? Review)
{
    public JsonObject Response => (JsonObject)Review!["response"]!;

    public bool Allowed => (bool)Response["allowed"]!;

    public int Code => (int)Response["status"]!["code"]!;

    public string? Message => (string?)Response["status"]?["message"];

    public string? Reason => (string?)Response["status"]?["reason"];

    public string Uid => (string)Response["uid"]!;

    public string ApiVersion => (string)Review!["apiVersion"]!;

    public IReadOnlyList<string> Warnings => Response["warnings"]?.AsArray().Select(w => (string)w!).ToList() ?? [];

    public JsonObject? AuditAnnotations => Response["auditAnnotations"]?.AsObject();

    /// <summary>The decoded patch; empty when there is none.</summary>
    public JsonArray Patch
    {
        get
        {
            if (Response["patch"] is not { } encoded)
            {
                return [];
            }

            Assert.Equal("JSONPatch", (string?)Response["patchType"]);
            return JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String((string)encoded!)))!.AsArray();
        }
    }

    /// <summary>The object after the patch, as the API server would store it.</summary>
    public JsonNode Apply(JsonNode original) => JsonPatchApplier.Apply(original, Patch);

    public static async Task<ReviewResult> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        JsonObject? review = null;
        if (response.StatusCode == HttpStatusCode.OK)
        {
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            review = JsonNode.Parse(text)!.AsObject();
            Assert.Equal("AdmissionReview", (string?)review["kind"]);
        }

        return new ReviewResult(response.StatusCode, text, review);
    }
}

/// <summary>RFC 6902 add/remove/replace over JSON nodes, strict about missing targets as the API server is.</summary>
internal static class JsonPatchApplier
{
    public static JsonNode Apply(JsonNode original, JsonArray patch)
    {
        var document = original.DeepClone();
        foreach (var operation in patch)
        {
            var op = (string)operation!["op"]!;
            var path = (string)operation["path"]!;
            var tokens = path.Split('/').Skip(1).Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(tokens);
            var parent = Navigate(document, tokens[..^1], path);
            var last = tokens[^1];
            var value = operation["value"]?.DeepClone();
            switch (parent, op)
            {
                case (JsonObject obj, "add"):
                    obj[last] = value;
                    break;
                case (JsonObject obj, "replace"):
                    Assert.True(obj.ContainsKey(last), "replace of a missing member: " + path);
                    obj[last] = value;
                    break;
                case (JsonObject obj, "remove"):
                    Assert.True(obj.Remove(last), "remove of a missing member: " + path);
                    break;
                case (JsonArray array, "add"):
                    if (last == "-")
                    {
                        array.Add(value);
                    }
                    else
                    {
                        array.Insert(int.Parse(last, System.Globalization.CultureInfo.InvariantCulture), value);
                    }

                    break;
                case (JsonArray array, "replace"):
                    array[int.Parse(last, System.Globalization.CultureInfo.InvariantCulture)] = value;
                    break;
                case (JsonArray array, "remove"):
                    array.RemoveAt(int.Parse(last, System.Globalization.CultureInfo.InvariantCulture));
                    break;
                default:
                    Assert.Fail("unsupported patch operation " + op + " at " + path);
                    break;
            }
        }

        return document;
    }

    private static JsonNode Navigate(JsonNode document, List<string> tokens, string path)
    {
        var current = document;
        foreach (var token in tokens)
        {
            current = current switch
            {
                JsonObject obj when obj[token] is { } next => next,
                JsonArray array when int.TryParse(token, out var index) && index < array.Count && array[index] is { } item => item,
                _ => throw new Xunit.Sdk.XunitException("patch path does not exist: " + path),
            };
        }

        return current;
    }
}

/// <summary>Runs a handler in process, through the same processor the endpoints use, without HTTP.</summary>
internal static class InProcess
{
    public static async Task<ReviewResult> RunAsync(SpoSdk.Admission.IAdmissionHandler handler, string review, SpoSdk.Admission.AdmissionProcessingOptions? options = null)
    {
        var outcome = await new SpoSdk.Admission.AdmissionReviewProcessor(options).ProcessAsync(Encoding.UTF8.GetBytes(review), handler);
        return new ReviewResult((HttpStatusCode)outcome.StatusCode, Encoding.UTF8.GetString(outcome.Body), outcome.StatusCode == 200 ? JsonNode.Parse(outcome.Body)!.AsObject() : null);
    }
}
