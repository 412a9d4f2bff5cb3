using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using SpoSdk.Api.Serialization;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.Apply;
using SpoSdk.Runtime.Backends.InMemory;
using SpoSdk.Runtime.Backends.Kubernetes;

namespace SpoSdk.Testing.ApiServer;

/// <summary>What a resource URL names.</summary>
/// <param name="Resource">The resource in the URL's group version.</param>
/// <param name="Namespace">The namespace segment, if any.</param>
/// <param name="Name">The object's name, if any.</param>
/// <param name="Subresource">The subresource (only <c>status</c> is served), if any.</param>
/// <param name="LegacyWatch">Whether the URL used the <c>/watch/</c> prefix.</param>
internal sealed record ResourceTarget(ServedResource Resource, string? Namespace, string? Name, string? Subresource, bool LegacyWatch);

/// <summary>
/// The resource verbs over the in-memory store, with the real API server's URL shapes, status
/// codes and Status bodies: list (selectors, paging), get, create, update, status, merge and JSON
/// patch, delete, and watch (initial events, bookmarks, timeouts, 410 as an ERROR event).
/// </summary>
internal sealed class ResourceEndpoints
{
    private const string JsonMediaType = "application/json";
    private const string MergePatchMediaType = "application/merge-patch+json";
    private const string JsonPatchMediaType = "application/json-patch+json";
    private const string StrategicMergePatchMediaType = "application/strategic-merge-patch+json";
    private const string ApplyPatchMediaType = ApplyOptions.MediaType;

    // The API server's limit on a field manager's name.
    private const int MaxFieldManagerLength = 128;
    private const int PatchAttempts = 5;

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonDocumentOptions ReadOptions = new() { MaxDepth = 128 };

    private readonly ResourceCatalog _catalog;
    private readonly InMemoryObjectStore _store;
    private readonly ObjectAdmission _admission;
    private readonly SpoSerializer _strictReader;
    private readonly KubernetesApiTestServerOptions _options;
    private readonly CancellationToken _stopping;
    private readonly ServerSideApply _apply;

    public ResourceEndpoints(ResourceCatalog catalog, InMemoryObjectStore store, ObjectAdmission admission, SpoKindRegistry registry, KubernetesApiTestServerOptions options, CancellationToken stopping)
    {
        _catalog = catalog;
        _store = store;
        _admission = admission;
        _strictReader = new SpoSerializer(new SpoSerializerOptions { Strict = true, Validate = true }, registry);
        _options = options;
        _stopping = stopping;
        _apply = new ServerSideApply(store, admission);
    }

    /// <summary>Serves a request under <c>/api/v1</c> or <c>/apis/GROUP/VERSION</c>; <paramref name="rest"/> is what follows.</summary>
    public async Task HandleAsync(HttpContext context, string group, string version, ArraySegment<string> rest)
    {
        ResourceTarget? target = null;
        try
        {
            target = Parse(group, version, rest);
            await DispatchAsync(context, target).ConfigureAwait(false);
        }
        catch (Exception ex) when (!context.Response.HasStarted && ex is not OperationCanceledException)
        {
            var status = ApiStatus.From(Translate(ex), target?.Resource, target?.Name);
            await WriteJsonAsync(context.Response, (int)status["code"]!, status, context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>Writes a JSON body with its length.</summary>
    public static async Task WriteJsonAsync(HttpResponse response, int statusCode, JsonNode body, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            body.WriteTo(writer);
        }

        response.StatusCode = statusCode;
        response.ContentType = JsonMediaType;
        response.ContentLength = buffer.WrittenCount;
        await response.Body.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
    }

    private ResourceTarget Parse(string group, string version, ArraySegment<string> rest)
    {
        var legacyWatch = rest.Count > 0 && rest[0] == "watch";
        if (legacyWatch)
        {
            rest = rest[1..];
        }

        string? ns = null;
        if (rest.Count >= 3 && rest[0] == "namespaces" && _catalog.TryGet(group, version, rest[2], out var inNamespace) && inNamespace.Type.IsNamespaced)
        {
            ns = rest[1];
            rest = rest[2..];
        }

        if (rest.Count is 0 or > 3 || !_catalog.TryGet(group, version, rest[0], out var resource))
        {
            throw ApiError.NoRoute();
        }

        var name = rest.Count > 1 ? rest[1] : null;
        var subresource = rest.Count > 2 ? rest[2] : null;
        if ((name is not null && resource.Type.IsNamespaced && ns is null)
            || (subresource is not null && (subresource != "status" || !resource.Type.HasStatusSubresource || legacyWatch)))
        {
            throw ApiError.NoRoute();
        }

        return new ResourceTarget(resource, ns, name, subresource, legacyWatch);
    }

    private Task DispatchAsync(HttpContext context, ResourceTarget target)
    {
        var method = context.Request.Method;
        var query = context.Request.Query;
        if (!HttpMethods.IsGet(method) && !string.IsNullOrEmpty(query["dryRun"]))
        {
            throw ApiError.BadRequest("dryRun is not supported by the SpoSdk test API server");
        }

        var watch = target.LegacyWatch || IsTrue(query["watch"]);
        if (watch && !HttpMethods.IsGet(method))
        {
            throw ApiError.MethodNotAllowed();
        }

        if (target.Name is null)
        {
            return method switch
            {
                _ when HttpMethods.IsGet(method) => watch ? WatchAsync(context, target) : ListAsync(context, target),
                _ when HttpMethods.IsPost(method) && (target.Namespace is not null || !target.Resource.Type.IsNamespaced) => CreateAsync(context, target),
                _ => throw ApiError.MethodNotAllowed(),
            };
        }

        if (target.Subresource is not null)
        {
            return method switch
            {
                _ when HttpMethods.IsGet(method) => GetAsync(context, target),
                _ when HttpMethods.IsPut(method) => UpdateAsync(context, target, statusOnly: true),
                _ when HttpMethods.IsPatch(method) => PatchAsync(context, target, statusOnly: true),
                _ => throw ApiError.MethodNotAllowed(),
            };
        }

        return method switch
        {
            _ when HttpMethods.IsGet(method) => watch ? WatchAsync(context, target) : GetAsync(context, target),
            _ when HttpMethods.IsPut(method) => UpdateAsync(context, target, statusOnly: false),
            _ when HttpMethods.IsPatch(method) => PatchAsync(context, target, statusOnly: false),
            _ when HttpMethods.IsDelete(method) => DeleteAsync(context, target),
            _ => throw ApiError.MethodNotAllowed(),
        };
    }

    private async Task GetAsync(HttpContext context, ResourceTarget target)
    {
        var stored = _store.Get(target.Resource.StoreKind, KeyOf(target)) ?? throw ApiError.NotFound(target.Resource, target.Name!);
        await WriteJsonAsync(context.Response, 200, Present(stored, target), context.RequestAborted).ConfigureAwait(false);
    }

    private async Task ListAsync(HttpContext context, ResourceTarget target)
    {
        var query = context.Request.Query;
        var selector = SelectorOf(query, null);
        var limit = 0;
        if (!string.IsNullOrEmpty(query["limit"]) && (!int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 0))
        {
            throw ApiError.BadRequest("limit must be a non-negative integer");
        }

        var page = _store.ListPage(target.Resource.StoreKind, target.Namespace, selector, limit, query["continue"]);
        var metadata = new JsonObject { ["resourceVersion"] = page.ResourceVersion };
        if (page.Continue is not null)
        {
            metadata["continue"] = page.Continue;
            metadata["remainingItemCount"] = page.RemainingItemCount;
        }

        var list = new JsonObject
        {
            ["apiVersion"] = target.Resource.Type.ApiVersion,
            ["kind"] = target.Resource.Type.Kind + "List",
            ["metadata"] = metadata,
            ["items"] = new JsonArray(page.Items.Select(item => (JsonNode)Present(item, target)).ToArray()),
        };
        await WriteJsonAsync(context.Response, 200, list, context.RequestAborted).ConfigureAwait(false);
    }

    private async Task CreateAsync(HttpContext context, ResourceTarget target)
    {
        var body = RequireObject(await ReadBodyAsync(context, [JsonMediaType]).ConfigureAwait(false));
        target = target with { Name = Prepare(body, target, urlName: null) };
        JsonObject stored;
        try
        {
            CheckFields(context, body, target);
            stored = _store.Create(target.Resource.StoreKind, _admission.Admit(body), FieldManagerOf(context));
        }
        catch (KubernetesApiException ex) when (ex.Message == InMemoryObjectStore.ResourceVersionOnCreate)
        {
            // The real server's storage error is a plain error: a 500 Status with its message, no reason, no details.
            throw new ApiError(500, string.Empty, ex.Message);
        }
        catch (ResourceException ex)
        {
            // The URL names no object; errors name the one in the body.
            throw ApiError.From(ApiStatus.From(ex, target.Resource, target.Name));
        }

        await WriteJsonAsync(context.Response, 201, Present(stored, target), context.RequestAborted).ConfigureAwait(false);
    }

    private async Task UpdateAsync(HttpContext context, ResourceTarget target, bool statusOnly)
    {
        var body = RequireObject(await ReadBodyAsync(context, [JsonMediaType]).ConfigureAwait(false));
        Prepare(body, target, target.Name);
        if (target.Resource.IsCustomResource && string.IsNullOrEmpty(Text(body["metadata"]?["resourceVersion"])))
        {
            // Custom resources refuse unconditional updates (the real server's AllowUnconditionalUpdate is false for them).
            throw new ResourceInvalidException("resourceVersion must be specified for an update", [("metadata.resourceVersion", "Invalid value: 0x0: must be specified for an update")]);
        }

        CheckFields(context, body, target);
        var stored = _store.Update(target.Resource.StoreKind, _admission.Admit(body), statusOnly, FieldManagerOf(context));
        await WriteJsonAsync(context.Response, 200, Present(stored, target), context.RequestAborted).ConfigureAwait(false);
    }

    private async Task PatchAsync(HttpContext context, ResourceTarget target, bool statusOnly)
    {
        var mediaType = MediaType(context.Request.ContentType);
        if (mediaType == ApplyPatchMediaType)
        {
            await ApplyAsync(context, target, statusOnly).ConfigureAwait(false);
            return;
        }

        var strategic = mediaType == StrategicMergePatchMediaType && !target.Resource.IsCustomResource;
        if (mediaType is not (MergePatchMediaType or JsonPatchMediaType) && !strategic)
        {
            // Custom resources never take strategic merge patches (on the real server either), and
            // kubectl apply sends them merge patches.
            throw ApiError.UnsupportedMediaType(
                mediaType ?? "none",
                JsonPatchMediaType + ", " + MergePatchMediaType + ", " + ApplyPatchMediaType + (target.Resource.IsCustomResource ? string.Empty : ", " + StrategicMergePatchMediaType));
        }

        var patch = await ReadBodyAsync(context, [mediaType!]).ConfigureAwait(false);
        if (strategic && !IsPlainMerge(patch))
        {
            throw ApiError.UnsupportedMediaType(mediaType!, "strategic merge patches without lists or $-directives (this test server applies those as merge patches)");
        }

        for (var attempt = 1; ; attempt++)
        {
            var current = _store.Get(target.Resource.StoreKind, KeyOf(target)) ?? throw ApiError.NotFound(target.Resource, target.Name!);
            var presented = Present(current, target);
            var currentVersion = Text(presented["metadata"]?["resourceVersion"]);
            var patched = RequireObject(mediaType == JsonPatchMediaType ? JsonPatches.JsonPatch(presented, patch) : JsonPatches.MergePatch(presented, patch));
            Prepare(patched, target, target.Name);
            var metadata = (JsonObject)patched["metadata"]!;
            var requested = Text(metadata["resourceVersion"]);
            if (string.IsNullOrEmpty(requested))
            {
                metadata["resourceVersion"] = currentVersion;
            }
            else if (requested != currentVersion)
            {
                // The patch carried a resourceVersion: a precondition, as on the real server.
                throw new ResourceConflictException("the object has been modified");
            }

            CheckFields(context, patched, target);
            try
            {
                var stored = _store.Update(target.Resource.StoreKind, _admission.Admit(patched), statusOnly, FieldManagerOf(context));
                await WriteJsonAsync(context.Response, 200, Present(stored, target), context.RequestAborted).ConfigureAwait(false);
                return;
            }
            catch (ResourceConflictException) when (attempt < PatchAttempts)
            {
                // Someone wrote in between: patch the newer object, as the real server's update loop does.
            }
        }
    }

    // Server-side apply: the body (YAML or JSON) is the applier's intent; the merge, ownership and
    // conflicts are the in-memory cluster's (ServerSideApply), so both backends apply alike.
    private async Task ApplyAsync(HttpContext context, ResourceTarget target, bool statusOnly)
    {
        var query = context.Request.Query;
        var manager = query["fieldManager"].ToString();
        if (manager.Length == 0)
        {
            throw ApiError.BadRequest("PATCH, application/apply-patch+yaml requires fieldManager to be set");
        }

        var force = query["force"].ToString();
        if (force.Length > 0 && force is not ("true" or "false"))
        {
            throw ApiError.BadRequest("invalid force value \"" + force + "\": must be true or false");
        }

        var body = RequireObject(ServerSideApply.ReadIntent(await ReadRawBodyAsync(context).ConfigureAwait(false)));
        Prepare(body, target, target.Name);
        CheckFields(context, body, target);
        var applied = _apply.Apply(target.Resource.StoreKind, body, new ApplyOptions(manager, force == "true"), statusOnly);
        await WriteJsonAsync(context.Response, 200, Present(applied, target), context.RequestAborted).ConfigureAwait(false);
    }

    // Who owns the fields a create, update or patch writes: the fieldManager parameter, else the
    // first part of the User-Agent (as the real server defaults it), else "unknown".
    private static string FieldManagerOf(HttpContext context)
    {
        var manager = context.Request.Query["fieldManager"].ToString();
        if (manager.Length == 0)
        {
            var agent = context.Request.Headers.UserAgent.ToString();
            manager = agent.Length == 0 ? "unknown" : agent.Split('/')[0];
        }

        return manager.Length > MaxFieldManagerLength ? manager[..MaxFieldManagerLength] : manager;
    }

    private async Task DeleteAsync(HttpContext context, ResourceTarget target)
    {
        var options = await ReadDeleteOptionsAsync(context).ConfigureAwait(false);
        var preconditions = options?["preconditions"] as JsonObject;
        JsonObject last;
        try
        {
            // Preconditions and deletion in one step under the store's lock: an update in between is a 409, never lost.
            last = _store.Delete(target.Resource.StoreKind, KeyOf(target), Text(preconditions?["uid"]), Text(preconditions?["resourceVersion"]))
                ?? throw ApiError.NotFound(target.Resource, target.Name!);
        }
        catch (ResourceConflictException conflict)
        {
            throw new ApiError(409, "Conflict", conflict.Message, ApiStatus.Details(target.Resource, target.Name));
        }

        // Still there while finalizers hold it (the store marked it with a deletionTimestamp instead).
        var pending = last["metadata"]?["finalizers"] is JsonArray { Count: > 0 };

        // The real server answers with the object while finalizers hold it, and for kinds that return
        // deleted objects (pods); otherwise with a Success Status naming what went.
        JsonNode answer = pending || target.Resource.ReturnsDeletedObject
            ? Present(last, target)
            : ApiStatus.Success(target.Resource, target.Name!, Text(last["metadata"]?["uid"]));
        await WriteJsonAsync(context.Response, 200, answer, context.RequestAborted).ConfigureAwait(false);
    }

    private async Task WatchAsync(HttpContext context, ResourceTarget target)
    {
        var query = context.Request.Query;
        var selector = SelectorOf(query, target.Name);
        var resourceVersion = query["resourceVersion"].ToString();
        var bookmarks = IsTrue(query["allowWatchBookmarks"]);
        var sendInitialEvents = string.IsNullOrEmpty(query["sendInitialEvents"]) ? (bool?)null : IsTrue(query["sendInitialEvents"]);
        var timeout = _options.DefaultWatchTimeout;
        if (!string.IsNullOrEmpty(query["timeoutSeconds"]))
        {
            timeout = int.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                ? TimeSpan.FromSeconds(seconds)
                : throw ApiError.BadRequest("timeoutSeconds must be a non-negative integer");
        }

        // No version (or "0") means: the current state as ADDED events, then the changes.
        var initial = (IReadOnlyList<JsonObject>)[];
        var initialVersion = string.Empty;
        var response = context.Response;
        StoreWatch watch;
        try
        {
            if (sendInitialEvents ?? (resourceVersion.Length == 0 || resourceVersion == "0"))
            {
                (initial, initialVersion) = _store.List(target.Resource.StoreKind, target.Namespace, selector);
                watch = _store.Watch(target.Resource.StoreKind, target.Namespace, initialVersion);
            }
            else
            {
                watch = _store.Watch(target.Resource.StoreKind, target.Namespace, resourceVersion);
            }
        }
        catch (ResourceGoneException gone)
        {
            // A version too old to resume from is not an HTTP error: the stream opens and says so.
            StartStream(response);
            await WriteEventAsync(response, "ERROR", ApiStatus.From(gone, null, null), context.RequestAborted).ConfigureAwait(false);
            return;
        }
        catch (ResourceInvalidException)
        {
            throw ApiError.BadRequest("invalid resourceVersion \"" + resourceVersion + "\"");
        }

        using (watch)
        {
            using var end = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping);
            end.CancelAfter(timeout);
            StartStream(response);
            try
            {
                // Headers go out now: clients wait for them before they expect events.
                await response.StartAsync(end.Token).ConfigureAwait(false);
                await response.Body.FlushAsync(end.Token).ConfigureAwait(false);
                foreach (var item in initial)
                {
                    await WriteEventAsync(response, "ADDED", Present(item, target), end.Token).ConfigureAwait(false);
                }

                if (sendInitialEvents == true && bookmarks)
                {
                    // The list's version, not the store's now: changes since then are still to come.
                    await WriteEventAsync(response, "BOOKMARK", Bookmark(target, initialVersion, initialEventsEnd: true), end.Token).ConfigureAwait(false);
                }

                await foreach (var change in watch.ReadAsync(bookmarks ? _options.BookmarkInterval : null, cancellationToken: end.Token).ConfigureAwait(false))
                {
                    if (change.Type == WatchEventType.Bookmark)
                    {
                        await WriteEventAsync(response, "BOOKMARK", Bookmark(target, change.Version.ToString(CultureInfo.InvariantCulture), initialEventsEnd: false), end.Token).ConfigureAwait(false);
                    }
                    else if (change.Through(selector) is { } seen)
                    {
                        await WriteEventAsync(response, EventType(seen.Type), Present(seen.Object, target), end.Token).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (end.IsCancellationRequested)
            {
                // Timeout, client gone, or server stopping: the stream just ends, as the real server's does.
            }
            catch (ResourceGoneException gone)
            {
                // The watcher fell too far behind and was dropped.
                await TryWriteEventAsync(response, "ERROR", ApiStatus.From(gone, null, null), end.Token).ConfigureAwait(false);
            }
            catch (IOException)
            {
                // The client went away mid-write.
            }
        }
    }

    // What a watcher filtered by a selector sees of a change (StoreEvent.Through): objects entering the selection
    // are ADDED, objects leaving it DELETED with their previous content (as the real watch cache reports them).
    private static string EventType(WatchEventType type) => type switch
    {
        WatchEventType.Added => "ADDED",
        WatchEventType.Modified => "MODIFIED",
        _ => "DELETED",
    };

    // A strategic merge patch with no lists and no $-directives means exactly what the same merge
    // patch means (maps merge, null deletes), so it can be applied as one; lists merge by keys and
    // directives need the type's patch strategy, which this server does not know.
    private static bool IsPlainMerge(JsonNode? patch) => patch switch
    {
        JsonObject obj => obj.All(p => !p.Key.StartsWith('$') && IsPlainMerge(p.Value)),
        JsonArray => false,
        _ => true,
    };

    private static void StartStream(HttpResponse response)
    {
        response.StatusCode = 200;
        response.ContentType = JsonMediaType;
        response.Headers.CacheControl = "no-cache, private";
    }

    private static async Task WriteEventAsync(HttpResponse response, string type, JsonObject obj, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("type", type);
            writer.WritePropertyName("object");
            obj.WriteTo(writer);
            writer.WriteEndObject();
        }

        buffer.Write("\n"u8);
        await response.Body.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task TryWriteEventAsync(HttpResponse response, string type, JsonObject obj, CancellationToken cancellationToken)
    {
        try
        {
            await WriteEventAsync(response, type, obj, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // Nobody is listening any more.
        }
    }

    private static JsonObject Bookmark(ResourceTarget target, string resourceVersion, bool initialEventsEnd)
    {
        var metadata = new JsonObject { ["resourceVersion"] = resourceVersion };
        if (initialEventsEnd)
        {
            metadata["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
        }

        return new JsonObject
        {
            ["kind"] = target.Resource.Type.Kind,
            ["apiVersion"] = target.Resource.Type.ApiVersion,
            ["metadata"] = metadata,
        };
    }

    // Makes the body fit the URL: apiVersion and kind of the URL's resource, namespace from the URL
    // (none for cluster-scoped kinds), name from the URL. Returns the name (null for generateName).
    private static string? Prepare(JsonObject body, ResourceTarget target, string? urlName)
    {
        var type = target.Resource.Type;
        var apiVersion = Text(body["apiVersion"]);
        if (string.IsNullOrEmpty(apiVersion))
        {
            body["apiVersion"] = type.ApiVersion;
        }
        else if (apiVersion != type.ApiVersion)
        {
            throw ApiError.BadRequest("the API version in the data (" + apiVersion + ") does not match the expected API version (" + type.ApiVersion + ")");
        }

        var kind = Text(body["kind"]);
        if (string.IsNullOrEmpty(kind))
        {
            body["kind"] = type.Kind;
        }
        else if (kind != type.Kind)
        {
            throw ApiError.BadRequest("the kind in the data (" + kind + ") does not match the expected kind (" + type.Kind + ")");
        }

        var metadata = body["metadata"] switch
        {
            null => (JsonObject)(body["metadata"] = new JsonObject()),
            JsonObject existing => existing,
            _ => throw ApiError.BadRequest("metadata must be an object"),
        };
        if (type.IsNamespaced)
        {
            var ns = Text(metadata["namespace"]);
            if (string.IsNullOrEmpty(ns))
            {
                metadata["namespace"] = target.Namespace;
            }
            else if (ns != target.Namespace)
            {
                throw ApiError.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }
        }
        else
        {
            metadata.Remove("namespace");
        }

        var name = Text(metadata["name"]);
        if (urlName is null)
        {
            return string.IsNullOrEmpty(name) ? null : name;
        }

        if (string.IsNullOrEmpty(name))
        {
            metadata["name"] = urlName;
        }
        else if (name != urlName)
        {
            throw ApiError.BadRequest("the name of the object (" + name + ") does not match the name on the URL (" + urlName + ")");
        }

        return urlName;
    }

    // fieldValidation: Strict refuses unknown fields with 400, Warn (the default) names them in
    // Warning headers, Ignore drops them silently; admission prunes them in every case.
    private void CheckFields(HttpContext context, JsonObject body, ResourceTarget target)
    {
        var mode = context.Request.Query["fieldValidation"].ToString();
        if (!target.Resource.IsCustomResource || mode == "Ignore")
        {
            return;
        }

        var unknown = _strictReader.ReadDocument(body, "request", 1).Errors
            .Where(e => e.Message.StartsWith("unknown field", StringComparison.Ordinal) && e.Path is not null)
            .Select(e => "unknown field \"" + (e.Path!.StartsWith("$.", StringComparison.Ordinal) ? e.Path[2..] : e.Path) + "\"")
            .ToList();
        if (unknown.Count == 0)
        {
            return;
        }

        if (mode == "Strict")
        {
            throw ApiError.BadRequest("strict decoding error: " + string.Join(", ", unknown));
        }

        foreach (var warning in unknown)
        {
            context.Response.Headers.Append("Warning", "299 - \"" + warning.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"");
        }
    }

    private async Task<JsonObject?> ReadDeleteOptionsAsync(HttpContext context)
    {
        var query = context.Request.Query;
        JsonObject? options = null;
        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            options = RequireObject(await ReadBodyAsync(context, [JsonMediaType]).ConfigureAwait(false));
            if (options["dryRun"] is JsonArray { Count: > 0 })
            {
                throw ApiError.BadRequest("dryRun is not supported by the SpoSdk test API server");
            }
        }

        var policy = Text(options?["propagationPolicy"]) ?? query["propagationPolicy"].ToString();
        if (policy.Length > 0 && policy is not ("Orphan" or "Background" or "Foreground"))
        {
            throw new ResourceInvalidException("invalid propagationPolicy", [("propagationPolicy", "Unsupported value: \"" + policy + "\": supported values: \"Foreground\", \"Background\", \"Orphan\"")]);
        }

        return options;
    }

    private async Task<JsonNode?> ReadBodyAsync(HttpContext context, string[] mediaTypes)
    {
        var request = context.Request;
        var mediaType = MediaType(request.ContentType);
        if (mediaType is not null && !mediaTypes.Contains(mediaType))
        {
            throw ApiError.UnsupportedMediaType(mediaType, string.Join(", ", mediaTypes));
        }

        var body = await ReadRawBodyAsync(context).ConfigureAwait(false);
        try
        {
            return JsonNode.Parse(body, documentOptions: ReadOptions);
        }
        catch (JsonException ex)
        {
            throw ApiError.BadRequest("the request body is not valid JSON: " + ex.Message);
        }
    }

    private async Task<byte[]> ReadRawBodyAsync(HttpContext context)
    {
        var request = context.Request;
        var limit = _options.MaxRequestBodyBytes;
        if (request.ContentLength > limit)
        {
            throw ApiError.TooLarge(limit);
        }

        var buffer = new ArrayBufferWriter<byte>(request.ContentLength is > 0 and var length ? (int)length : 4096);
        while (true)
        {
            var read = await request.Body.ReadAsync(buffer.GetMemory(16 * 1024), context.RequestAborted).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > limit)
            {
                throw ApiError.TooLarge(limit);
            }
        }

        return buffer.WrittenCount == 0
            ? throw ApiError.BadRequest("the request body is empty")
            : buffer.WrittenSpan.ToArray();
    }

    private static JsonObject RequireObject(JsonNode? node) =>
        node as JsonObject ?? throw ApiError.BadRequest("the request body must be a JSON object");

    private JsonObject Present(JsonObject stored, ResourceTarget target) =>
        _admission.Present(stored, target.Resource.Type.ApiVersion);

    private static ObjectKey KeyOf(ResourceTarget target) => new(target.Resource.Type.IsNamespaced ? target.Namespace : null, target.Name!);

    private static Selector SelectorOf(IQueryCollection query, string? name)
    {
        var fields = query["fieldSelector"].ToString();
        if (name is not null)
        {
            fields = fields.Length == 0 ? "metadata.name=" + name : fields + ",metadata.name=" + name;
        }

        try
        {
            return Selector.From(new ListOptions(query["labelSelector"].ToString(), fields));
        }
        catch (FormatException ex)
        {
            throw ApiError.BadRequest("unable to parse requirement: " + ex.Message);
        }
    }

    // What JSON trees and model binding throw on malformed input (duplicate keys, values of the
    // wrong type) is the client's fault, as the real server's decoding errors are.
    private static Exception Translate(Exception exception) =>
        exception is JsonException or InvalidOperationException or ArgumentException or FormatException
            ? ApiError.BadRequest(exception.Message)
            : exception;

    private static string? MediaType(string? contentType) =>
        string.IsNullOrWhiteSpace(contentType) ? null : contentType.Split(';')[0].Trim().ToLowerInvariant();

    private static bool IsTrue(Microsoft.Extensions.Primitives.StringValues value) =>
        value.ToString() is "true" or "1" or "True";

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
}
