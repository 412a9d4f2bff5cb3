using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SpoSdk.Api.Serialization;
using SpoSdk.Runtime.Backends.InMemory;

namespace SpoSdk.Runtime.Backends.Apply;

/// <summary>
/// A server-side apply on an <see cref="InMemoryObjectStore"/>, as the API server runs it: the object is
/// created when absent, otherwise the applied intent is merged into the latest version in the applier's
/// API version (<see cref="FieldOwnership.Apply"/>) and stored with its managed fields, retrying when
/// someone wrote in between. An apply that changes nothing writes nothing (no resourceVersion bump).
/// The in-memory backend and the test API server both apply through it.
/// </summary>
public sealed class ServerSideApply
{
    // How often an apply is re-run on a newer object before the conflict reaches the caller.
    private const int Attempts = 5;

    // The API server's limit on a manager's name.
    private const int MaxManagerLength = 128;

    private readonly InMemoryObjectStore _store;
    private readonly ObjectAdmission _admission;
    private readonly FieldSchemas _schemas;

    /// <summary>Creates the apply over a store and the admission its objects pass.</summary>
    /// <param name="store">The objects.</param>
    /// <param name="admission">Conversion, defaults, validation and pruning on the way in and out.</param>
    /// <param name="schemas">List types and keys; <see cref="FieldSchemas.Spo"/> when null.</param>
    public ServerSideApply(InMemoryObjectStore store, ObjectAdmission admission, FieldSchemas? schemas = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(admission);
        _store = store;
        _admission = admission;
        _schemas = schemas ?? FieldSchemas.Spo;
    }

    /// <summary>
    /// Applies <paramref name="applied"/> (which names the object and carries <c>apiVersion</c> and
    /// <c>kind</c>) and returns the result in the applied object's version. A
    /// <c>metadata.resourceVersion</c> in it is a precondition. Throws
    /// <see cref="ResourceBadRequestException"/> without a field manager,
    /// <see cref="ResourceConflictException"/> on field conflicts (with causes) or a failed precondition,
    /// <see cref="ResourceInvalidException"/> when the result breaks the schema.
    /// </summary>
    /// <param name="kind">The kind, as the store keys it.</param>
    /// <param name="applied">The applier's intent.</param>
    /// <param name="options">The field manager and force flag.</param>
    /// <param name="statusSubresource">Whether this is an apply on the status subresource.</param>
    public JsonObject Apply(StoreKind kind, JsonObject applied, ApplyOptions options, bool statusSubresource = false)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(applied);
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrEmpty(options.FieldManager))
        {
            throw new ResourceBadRequestException("PATCH, application/apply-patch+yaml requires fieldManager to be set");
        }

        if (options.FieldManager.Length > MaxManagerLength)
        {
            throw new ResourceBadRequestException("fieldManager must be at most " + MaxManagerLength + " characters");
        }

        if (applied["metadata"]?["managedFields"] is JsonArray { Count: > 0 })
        {
            // As on the API server: ownership is the server's record, not part of an intent.
            throw new ResourceBadRequestException("metadata.managedFields must be nil");
        }

        var apiVersion = Text(applied["apiVersion"]) ?? throw new ResourceBadRequestException("an applied object needs apiVersion");
        var key = KeyOf(kind, applied);
        var requested = Text(applied["metadata"]?["resourceVersion"]);
        var scope = statusSubresource ? FieldScope.Status : kind.HasStatusSubresource ? FieldScope.Main : FieldScope.Whole;
        var schema = _schemas.For(kind.Group, kind.Kind, apiVersion[(apiVersion.IndexOf('/', StringComparison.Ordinal) + 1)..]);
        for (var attempt = 1; ; attempt++)
        {
            var stored = _store.Get(kind, key);
            if (stored is null)
            {
                if (statusSubresource)
                {
                    throw new ResourceNotFoundException(kind.Plural + " \"" + key.Name + "\" not found");
                }

                if (!string.IsNullOrEmpty(requested))
                {
                    throw new ResourceConflictException("Operation cannot be fulfilled on " + kind.Plural + " \"" + key.Name + "\": resourceVersion should not be set on objects to be created");
                }

                var created = FieldOwnership.Apply(null, applied, options.FieldManager, options.Force, scope, schema, _store.Time.GetUtcNow());
                try
                {
                    return _admission.Present(_store.Create(kind, _admission.Admit(created)), apiVersion);
                }
                catch (ResourceAlreadyExistsException) when (attempt < Attempts)
                {
                    // Created in between: apply to it instead.
                    continue;
                }
            }

            var live = _admission.Present(stored, apiVersion);
            var liveVersion = Text(live["metadata"]?["resourceVersion"]);
            if (!string.IsNullOrEmpty(requested) && requested != liveVersion)
            {
                throw new ResourceConflictException("Operation cannot be fulfilled on " + kind.Plural + " \"" + key.Name + "\": the object has been modified; please apply your changes to the latest version and try again");
            }

            var result = FieldOwnership.Apply(live, applied, options.FieldManager, options.Force, scope, schema, _store.Time.GetUtcNow());
            ((JsonObject)result["metadata"]!)["resourceVersion"] = liveVersion;
            var admitted = _admission.Admit(result);
            if (Unchanged(stored, admitted))
            {
                return live;
            }

            try
            {
                return _admission.Present(_store.Update(kind, admitted, statusOnly: statusSubresource && kind.HasStatusSubresource), apiVersion);
            }
            catch (ResourceConflictException) when (attempt < Attempts && string.IsNullOrEmpty(requested))
            {
                // Someone wrote in between: apply to the newer object, as the API server's update loop does.
            }
        }
    }

    /// <summary>
    /// Reads an apply patch body: YAML (one document) or JSON, which is YAML too.
    /// <see cref="ResourceBadRequestException"/> when it is neither or holds several documents.
    /// </summary>
    public static JsonNode? ReadIntent(byte[] body)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { MaxDepth = 128 });
        }
        catch (JsonException)
        {
            // Not JSON: YAML, as kubectl and hand-written requests may send it.
        }

        try
        {
            var documents = YamlJson.ParseDocuments(Encoding.UTF8.GetString(body));
            return documents.Count == 1 ? documents[0].Root : throw new ResourceBadRequestException("an apply patch must be one YAML document, not " + documents.Count);
        }
        catch (YamlSyntaxException ex)
        {
            throw new ResourceBadRequestException("the apply patch is not valid YAML: " + ex.Message);
        }
    }

    // Compared in storage form, after defaults and pruning, so an intent the schema fills in the same way is a no-op.
    private static bool Unchanged(JsonObject stored, JsonObject admitted) =>
        JsonNode.DeepEquals(stored, admitted);

    private static ObjectKey KeyOf(StoreKind kind, JsonObject applied)
    {
        var name = Text(applied["metadata"]?["name"]);
        if (string.IsNullOrEmpty(name))
        {
            throw new ResourceInvalidException(kind.Kind + " is invalid", [("metadata.name", "Required value: name is required")]);
        }

        var ns = kind.IsNamespaced ? Text(applied["metadata"]?["namespace"]) : null;
        if (kind.IsNamespaced && string.IsNullOrEmpty(ns))
        {
            throw new ResourceInvalidException(kind.Kind + " \"" + name + "\" is invalid", [("metadata.namespace", "Required value: a namespaced object needs a namespace")]);
        }

        return new ObjectKey(ns, name);
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
}
