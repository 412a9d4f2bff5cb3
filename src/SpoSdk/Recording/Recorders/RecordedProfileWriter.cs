using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using SpoSdk.Api.Naming;
using SpoSdk.Api.Schema;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;

namespace SpoSdk.Recording.Recorders;

/// <summary>Whom a recorded or merged profile belongs to: one container of one ProfileRecording.</summary>
/// <param name="Namespace">The recording's namespace.</param>
/// <param name="RecordingName">The recording's name.</param>
/// <param name="ContainerName">The container's name.</param>
public sealed record RecordedProfileOwner(string Namespace, string RecordingName, string ContainerName);

/// <summary>What a write did.</summary>
public enum ProfileWriteOutcome
{
    /// <summary>The profile did not exist and was created.</summary>
    Created,

    /// <summary>The profile was this recording's and its spec or labels changed.</summary>
    Updated,

    /// <summary>The profile was this recording's and already said the same: nothing written.</summary>
    Unchanged,
}

/// <summary>Where a profile was written and how.</summary>
/// <param name="Name">The name it was written under (a collision-free alternative when the wanted name was taken).</param>
/// <param name="Outcome">What the write did.</param>
public sealed record ProfileWriteResult(string Name, ProfileWriteOutcome Outcome);

/// <summary>
/// Creates or updates recorded and merged profiles without ever overwriting an object that is not the
/// recording's: a name held by another object moves the profile to the next of
/// <see cref="RecordedProfileNames.Candidates"/>. An object is the recording's when it carries the
/// recording's <c>recording-id</c> and <c>recording-namespace</c> labels and no <c>container-id</c> label of
/// another container. Writing the same profile again writes nothing.
/// </summary>
public sealed class RecordedProfileWriter
{
    private readonly IClusterBackend _backend;

    /// <summary>Creates a writer on <paramref name="backend"/>.</summary>
    public RecordedProfileWriter(IClusterBackend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        _backend = backend;
    }

    /// <summary>
    /// Writes <paramref name="profile"/> (a v1 SeccompProfile, SelinuxProfile or AppArmorProfile whose
    /// <c>metadata.name</c> is the wanted name and whose labels are the wanted labels; other metadata is ignored).
    /// </summary>
    /// <exception cref="RecordedProfileNameException">Every candidate name is held by a foreign object.</exception>
    public Task<ProfileWriteResult> WriteAsync(ISpoObject profile, RecordedProfileOwner owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(owner);
        return profile switch
        {
            SeccompProfile seccomp => WriteAsync(_backend.Resource<SeccompProfile>(), seccomp, owner, cancellationToken),
            SelinuxProfile selinux => WriteAsync(_backend.Resource<SelinuxProfile>(), selinux, owner, cancellationToken),
            AppArmorProfile appArmor => WriteAsync(_backend.Resource<AppArmorProfile>(), appArmor, owner, cancellationToken),
            _ => throw new ArgumentException("cannot write a recorded " + profile.Kind + " " + profile.ApiVersion + ": only v1 SeccompProfile, SelinuxProfile and AppArmorProfile", nameof(profile)),
        };
    }

    /// <summary>Whether <paramref name="existing"/> belongs to <paramref name="owner"/> (see the type's remarks).</summary>
    public static bool IsOwnedBy(IKubernetesObject<V1ObjectMeta> existing, RecordedProfileOwner owner)
    {
        ArgumentNullException.ThrowIfNull(existing);
        ArgumentNullException.ThrowIfNull(owner);
        var metadata = existing.Metadata;
        return metadata.Label(SpoLabels.RecordingId) == owner.RecordingName
            && metadata.Label(SpoLabels.RecordingNamespace) == owner.Namespace
            && (metadata.Label(SpoLabels.ContainerId) ?? owner.ContainerName) == owner.ContainerName;
    }

    private static async Task<ProfileWriteResult> WriteAsync<T>(IResourceClient<T> client, T profile, RecordedProfileOwner owner, CancellationToken cancellationToken)
        where T : class, ISpoObject
    {
        var wanted = profile.Metadata.Name;
        var labels = new SortedDictionary<string, string>(profile.Metadata.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        var desired = Canonical(profile);
        foreach (var name in RecordedProfileNames.Candidates(wanted, owner.Namespace, owner.RecordingName, owner.ContainerName))
        {
            // A create that loses a race reads the winner and judges it like any existing object.
            for (var attempt = 0; attempt < 3; attempt++)
            {
                var existing = await client.GetAsync(ObjectKey.Cluster(name), cancellationToken).ConfigureAwait(false);
                if (existing is null)
                {
                    try
                    {
                        await client.CreateAsync(Fresh<T>(desired, name, labels), cancellationToken).ConfigureAwait(false);
                        return new ProfileWriteResult(name, ProfileWriteOutcome.Created);
                    }
                    catch (ResourceAlreadyExistsException)
                    {
                        continue;
                    }
                }

                if (!IsOwnedBy(existing, owner))
                {
                    break;
                }

                if (existing.Metadata.DeletionTimestamp is not null)
                {
                    // Writing into an object on its way out would be lost; the caller retries later.
                    throw new ResourceConflictException(profile.Kind + " \"" + name + "\" is being deleted; the recorded profile is written once it is gone");
                }

                if (!Update(existing, desired, labels))
                {
                    return new ProfileWriteResult(name, ProfileWriteOutcome.Unchanged);
                }

                try
                {
                    await client.UpdateAsync(existing, cancellationToken).ConfigureAwait(false);
                    return new ProfileWriteResult(name, ProfileWriteOutcome.Updated);
                }
                catch (ResourceConflictException) when (attempt < 2)
                {
                    // Changed under us: read it again.
                }
            }
        }

        throw new RecordedProfileNameException(
            profile.Kind + " \"" + wanted + "\" of recording " + owner.Namespace + "/" + owner.RecordingName + " (container " + owner.ContainerName
            + ") was not written: it and all " + (RecordedProfileNames.MaxCandidates - 1) + " alternative names are held by objects of other recordings or users");
    }

    // The desired object as the API server would store it: defaults applied, so a comparison with
    // the stored object sees only real differences.
    private static JsonObject Canonical<T>(T profile)
        where T : class, ISpoObject
    {
        var copy = JsonSerializer.SerializeToNode(profile, typeof(T), SpoJsonOptions.Lenient)!.Deserialize<T>(SpoJsonOptions.Lenient)!;
        copy.ApplyDefaults();
        return JsonSerializer.SerializeToNode(copy, typeof(T), SpoJsonOptions.Lenient)!.AsObject();
    }

    private static T Fresh<T>(JsonObject desired, string name, SortedDictionary<string, string> labels)
        where T : class, ISpoObject
    {
        var json = (JsonObject)desired.DeepClone();
        json.Remove("status");
        json["metadata"] = new JsonObject
        {
            ["name"] = name,
            ["labels"] = new JsonObject(labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value))),
        };
        return json.Deserialize<T>(SpoJsonOptions.Lenient)!;
    }

    // Puts the desired spec and labels on the stored object; false when they were already there.
    private static bool Update<T>(T existing, JsonObject desired, SortedDictionary<string, string> labels)
        where T : class, ISpoObject
    {
        var stored = JsonSerializer.SerializeToNode(existing, typeof(T), SpoJsonOptions.Lenient)!["spec"];
        var changed = !JsonNode.DeepEquals(stored, desired["spec"]);
        var newLabels = new Dictionary<string, string>(existing.Metadata.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        changed |= !labels.ContainsKey(SpoLabels.Partial) && newLabels.Remove(SpoLabels.Partial);
        foreach (var (key, value) in labels)
        {
            changed |= !newLabels.TryGetValue(key, out var old) || old != value;
            newLabels[key] = value;
        }

        if (changed)
        {
            existing.Metadata.Labels = newLabels;
            CopySpec(desired.Deserialize<T>(SpoJsonOptions.Lenient)!, existing);
        }

        return changed;
    }

    private static void CopySpec<T>(T from, T to)
        where T : class, ISpoObject
    {
        switch ((from, to))
        {
            case (SeccompProfile a, SeccompProfile b):
                b.Spec = a.Spec;
                break;
            case (SelinuxProfile a, SelinuxProfile b):
                b.Spec = a.Spec;
                break;
            case (AppArmorProfile a, AppArmorProfile b):
                b.Spec = a.Spec;
                break;
        }
    }
}

/// <summary>A recorded or merged profile could not be given a name that is free or the recording's own.</summary>
public sealed class RecordedProfileNameException : Exception
{
    /// <summary>Creates the exception with its message.</summary>
    public RecordedProfileNameException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its message and cause.</summary>
    public RecordedProfileNameException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception without a message.</summary>
    public RecordedProfileNameException()
    {
    }
}
