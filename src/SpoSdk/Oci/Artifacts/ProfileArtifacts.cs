using System.Text;
using SpoSdk.Api.Conversion;
using SpoSdk.Api.Schema;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Oci.Content;
using SpoSdk.Oci.References;

namespace SpoSdk.Oci.Artifacts;

/// <summary>Packs profiles into artifacts and reads them back, in both layouts.</summary>
public static class ProfileArtifacts
{
    /// <summary>Container runtimes' default size limit for a KEP 6061 profile.</summary>
    public const int MaxRuntimeProfileBytes = 1 << 20;

    /// <summary>Container runtimes' default limit on syscall entries of a KEP 6061 profile.</summary>
    public const int MaxRuntimeSyscallEntries = 128;

    /// <summary>Layers an artifact may have before it is refused as not a profile artifact.</summary>
    public const int MaxLayers = 64;

    /// <summary>The title of a platform-independent upstream layer.</summary>
    public const string DefaultProfileYaml = "profile.yaml";

    /// <summary>The title of the KEP 6061 layer.</summary>
    public const string DefaultProfileJson = "profile.json";

    /// <summary>The <c>org.opencontainers.image.created</c> used unless given: a fixed time, so identical content has an identical digest (as upstream since v1.0).</summary>
    public const string DefaultCreated = "1970-01-01T00:00:00Z";

    private static readonly byte[] EmptyJson = "{}"u8.ToArray();
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly HashSet<string> ProfileKinds = ["SeccompProfile", "SelinuxProfile", "AppArmorProfile"];

    /// <summary>
    /// Packs <paramref name="files"/>. With <paramref name="layout"/> null the layout follows the input, as
    /// upstream: raw runtime-spec seccomp JSON makes a KEP 6061 artifact, profile objects an upstream one.
    /// User <paramref name="annotations"/> go on every layer (as upstream spoc v1.0.0), except
    /// <c>org.opencontainers.image.created</c>, which is the manifest's.
    /// </summary>
    public static PackedProfileArtifact Pack(IReadOnlyList<OciProfileFile> files, ProfileArtifactLayout? layout = null, IReadOnlyDictionary<string, string>? annotations = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (files.Count == 0)
        {
            throw new OciArtifactException("no profile to push");
        }

        var inputs = files.Select(Classify).ToList();
        var raw = inputs.Count(i => i.Profile is null);
        if (raw > 0 && raw != inputs.Count)
        {
            throw new OciArtifactException("cannot mix runtime-spec seccomp profiles and profile objects in one artifact");
        }

        var chosen = layout ?? (raw > 0 ? ProfileArtifactLayout.Kep6061 : ProfileArtifactLayout.Spo);
        if (chosen == ProfileArtifactLayout.Spo && raw > 0)
        {
            throw new OciArtifactException(files[0].Source + " is a raw runtime-spec seccomp profile; the spo layout holds profile objects (use --layout kep6061)");
        }

        var userAnnotations = annotations?.Where(a => a.Key != OciMediaTypes.AnnotationCreated).ToDictionary() ?? [];
        var created = annotations is not null && annotations.TryGetValue(OciMediaTypes.AnnotationCreated, out var c) ? c : DefaultCreated;
        var manifestAnnotations = new Dictionary<string, string> { [OciMediaTypes.AnnotationCreated] = created };
        return chosen == ProfileArtifactLayout.Spo
            ? PackSpo(inputs, userAnnotations, manifestAnnotations)
            : PackKep(inputs, userAnnotations, manifestAnnotations);
    }

    /// <summary>
    /// The manifest of <paramref name="index"/> for <paramref name="platform"/>: the one whose platform
    /// matches, else the only one when it has no platform.
    /// </summary>
    public static OciDescriptor SelectManifest(OciIndex index, OciPlatform? platform)
    {
        ArgumentNullException.ThrowIfNull(index);
        if (index.Manifests.Count > MaxLayers)
        {
            throw new OciArtifactException("index has " + index.Manifests.Count + " manifests, the limit is " + MaxLayers);
        }

        var match = platform is null ? null : index.Manifests.FirstOrDefault(m => m.Platform is not null && m.Platform.Matches(platform));
        match ??= index.Manifests.Count == 1 && index.Manifests[0].Platform is null ? index.Manifests[0] : null;
        return match ?? throw new OciArtifactException("index has no manifest for platform " + (platform?.ToString() ?? "(none)"));
    }

    /// <summary>
    /// The profile layer of <paramref name="manifest"/> for <paramref name="platform"/> and the layout it
    /// uses. KEP 6061 artifacts are known by their config media type or artifact type and have exactly one
    /// layer. Otherwise, as upstream: the layer bound to the platform, then the one titled for it, then the
    /// platform-independent <c>profile.yaml</c> (or <c>profile.json</c>), then a single layer not bound or
    /// named for another platform.
    /// </summary>
    public static (OciDescriptor Layer, ProfileArtifactLayout Layout) SelectLayer(OciManifest manifest, OciPlatform? platform)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (manifest.Layers.Count > MaxLayers)
        {
            throw new OciArtifactException("manifest has " + manifest.Layers.Count + " layers, the limit is " + MaxLayers);
        }

        if (manifest.Config.MediaType == OciMediaTypes.SeccompProfileConfig || manifest.ArtifactType == OciMediaTypes.SeccompProfileConfig)
        {
            return manifest.Layers.Count == 1
                ? (manifest.Layers[0], ProfileArtifactLayout.Kep6061)
                : throw new OciArtifactException("KEP 6061 seccomp profile artifact must have exactly one layer, it has " + manifest.Layers.Count);
        }

        if (platform is not null)
        {
            var name = platform.ProfileFileName();
            var bound = manifest.Layers.FirstOrDefault(l => l.Platform is not null && l.Platform.Matches(platform))
                ?? manifest.Layers.FirstOrDefault(l => l.Platform is null && l.Annotation(OciMediaTypes.AnnotationTitle) == name);
            if (bound is not null)
            {
                return (bound, ProfileArtifactLayout.Spo);
            }
        }

        foreach (var name in new[] { DefaultProfileYaml, DefaultProfileJson })
        {
            if (manifest.Layers.FirstOrDefault(l => l.Platform is null && l.Annotation(OciMediaTypes.AnnotationTitle) == name) is { } fallback)
            {
                return (fallback, ProfileArtifactLayout.Spo);
            }
        }

        if (manifest.Layers.Count != 1)
        {
            var titles = string.Join(", ", manifest.Layers.Select(l => l.Annotation(OciMediaTypes.AnnotationTitle) ?? l.Digest));
            throw new OciArtifactException("artifact has no profile for platform " + (platform?.ToString() ?? "(none)") + " (layers: " + (titles.Length == 0 ? "none" : titles) + ")");
        }

        var only = manifest.Layers[0];
        var title = only.Annotation(OciMediaTypes.AnnotationTitle) ?? string.Empty;
        var usable = only.Platform is null
            ? !(title.StartsWith("profile-", StringComparison.Ordinal) && title.EndsWith(".yaml", StringComparison.Ordinal))
            : platform is not null && only.Platform.Matches(platform);
        return usable
            ? (only, ProfileArtifactLayout.Spo)
            : throw new OciArtifactException("the artifact's only profile " + title + " is for " + (only.Platform?.ToString() ?? title) + ", not " + (platform?.ToString() ?? "(none)"));
    }

    /// <summary>
    /// Decodes a pulled profile layer into a v1 profile object (SeccompProfile, SelinuxProfile or
    /// AppArmorProfile). KEP 6061 content becomes a SeccompProfile named after the repository.
    /// Throws <see cref="OciArtifactException"/> when the content is not a valid profile.
    /// </summary>
    public static ISpoObject Decode(byte[] content, ProfileArtifactLayout layout, OciReference reference, out IReadOnlyList<string> warnings)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(reference);
        string? error = null;
        if (layout == ProfileArtifactLayout.Spo && TryReadProfile(content, reference.ToString(), out var profile, out error))
        {
            warnings = [];
            return profile!;
        }

        // Upstream also accepts raw runtime-spec JSON in an artifact without the KEP media type.
        if (!RuntimeSpecSeccomp.TryParse(content, out var spec, out var specError))
        {
            throw new OciArtifactException(layout == ProfileArtifactLayout.Kep6061
                ? "KEP 6061 layer is not a runtime-spec seccomp profile: " + specError
                : "artifact layer is not a seccomp, SELinux or AppArmor profile: " + error);
        }

        var seccomp = new SeccompProfile { Metadata = new() { Name = NameFromReference(reference) }, Spec = spec! };
        var violations = new SpoSerializer().Validate(seccomp);
        if (violations.Count > 0)
        {
            throw new OciArtifactException("runtime-spec seccomp profile is not a valid SeccompProfile: " + string.Join("; ", violations.Take(5)));
        }

        warnings = RuntimeWarnings(spec!, content.Length);
        return seccomp;
    }

    /// <summary>What container runtimes object to in a KEP 6061 profile: listener fields, <c>SCMP_ACT_NOTIFY</c>, over 1 MiB, over 128 syscall entries.</summary>
    public static IReadOnlyList<string> RuntimeWarnings(SeccompProfileSpec spec, long contentBytes)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var warnings = new List<string>();
        if (!string.IsNullOrEmpty(spec.ListenerPath) || !string.IsNullOrEmpty(spec.ListenerMetadata))
        {
            warnings.Add("the profile sets listenerPath/listenerMetadata, which container runtimes reject in OCI seccomp artifacts (KEP 6061)");
        }

        if (spec.DefaultAction.Value == "SCMP_ACT_NOTIFY" || spec.Syscalls?.Any(s => s.Action.Value == "SCMP_ACT_NOTIFY") == true)
        {
            warnings.Add("the profile uses SCMP_ACT_NOTIFY, which container runtimes reject in OCI seccomp artifacts (KEP 6061)");
        }

        if (contentBytes > MaxRuntimeProfileBytes)
        {
            warnings.Add("the profile has " + contentBytes + " bytes, more than the " + MaxRuntimeProfileBytes + " container runtimes accept by default (KEP 6061)");
        }

        if (spec.Syscalls?.Count > MaxRuntimeSyscallEntries)
        {
            warnings.Add("the profile has " + spec.Syscalls.Count + " syscall entries, more than the " + MaxRuntimeSyscallEntries + " container runtimes accept by default (KEP 6061)");
        }

        return warnings;
    }

    private static (ISpoObject? Profile, OciProfileFile File, SeccompProfileSpec? RawSpec) Classify(OciProfileFile file)
    {
        if (TryReadProfile(file.Content, file.Source, out var profile, out var error))
        {
            return (profile, file, null);
        }

        if (RuntimeSpecSeccomp.TryParse(file.Content, out var spec, out _))
        {
            return (null, file, spec);
        }

        throw new OciArtifactException(error!);
    }

    private static bool TryReadProfile(byte[] content, string source, out ISpoObject? profile, out string? error)
    {
        profile = null;
        string text;
        try
        {
            text = StrictUtf8.GetString(content);
        }
        catch (DecoderFallbackException)
        {
            error = source + ": not UTF-8 text";
            return false;
        }

        var serializer = new SpoSerializer(new SpoSerializerOptions { Strict = false, Validate = false });
        var result = serializer.Read(text, source);
        if (result.SyntaxError is { } syntax)
        {
            error = "cannot parse yaml: " + syntax;
            return false;
        }

        if (result.Documents.Count != 1 || result.Documents[0].Object is not { } read)
        {
            error = result.Documents.Count != 1
                ? source + " must hold exactly one profile, it holds " + result.Documents.Count + " documents"
                : source + " is not a profile (SeccompProfile, SelinuxProfile or AppArmorProfile): " + string.Join("; ", result.Errors.Select(e => e.ToString()));
            return false;
        }

        if (!ProfileKinds.Contains(read.Kind))
        {
            error = source + ": " + read.Kind + " is not a profile (SeccompProfile, SelinuxProfile or AppArmorProfile)";
            return false;
        }

        // Upstream allows profiles without a name; every other rule of the schema holds.
        var violations = serializer.Validate(read).Where(v => !v.Path.StartsWith("$.metadata", StringComparison.Ordinal)).ToList();
        if (violations.Count > 0)
        {
            error = source + " " + read.Kind + "/" + (read.Metadata.Name ?? "<unnamed>") + ": " + string.Join("; ", violations.Take(5));
            return false;
        }

        profile = SpoConverter.Default.Convert(read, read.KindInfo.Group + "/v1");
        error = null;
        return true;
    }

    private static PackedProfileArtifact PackSpo(List<(ISpoObject? Profile, OciProfileFile File, SeccompProfileSpec? RawSpec)> inputs, Dictionary<string, string> userAnnotations, Dictionary<string, string> manifestAnnotations)
    {
        var blobs = new List<(OciDescriptor, byte[])> { (EmptyConfig(), EmptyJson) };
        var layers = new List<OciDescriptor>();
        foreach (var (_, file, _) in inputs)
        {
            var title = file.Platform?.ProfileFileName() ?? DefaultProfileYaml;
            if (layers.Any(l => l.Annotation(OciMediaTypes.AnnotationTitle) == title))
            {
                throw new OciArtifactException("two profiles for the same platform (" + title + ")");
            }

            var layer = OciDescriptor.Of(file.Content, OciMediaTypes.TarLayer) with
            {
                Annotations = new Dictionary<string, string>(userAnnotations) { [OciMediaTypes.AnnotationTitle] = title },
                Platform = file.Platform,
            };
            layers.Add(layer);
            blobs.Add((layer, file.Content));
        }

        // Sorted so identical inputs give an identical manifest digest whatever the argument order.
        layers.Sort((a, b) => string.CompareOrdinal(a.Annotation(OciMediaTypes.AnnotationTitle), b.Annotation(OciMediaTypes.AnnotationTitle)));
        var manifest = new OciManifest
        {
            ArtifactType = OciMediaTypes.UnknownConfig,
            Config = EmptyConfig() with { Data = Convert.ToBase64String(EmptyJson) },
            Layers = layers,
            Annotations = manifestAnnotations,
        };
        return new PackedProfileArtifact(OciJson.Serialize(manifest), blobs, ProfileArtifactLayout.Spo, []);
    }

    private static PackedProfileArtifact PackKep(List<(ISpoObject? Profile, OciProfileFile File, SeccompProfileSpec? RawSpec)> inputs, Dictionary<string, string> userAnnotations, Dictionary<string, string> manifestAnnotations)
    {
        if (inputs.Count != 1)
        {
            throw new OciArtifactException("a KEP 6061 artifact holds exactly one seccomp profile, got " + inputs.Count);
        }

        var (profile, file, rawSpec) = inputs[0];
        var warnings = new List<string>();
        byte[] content;
        SeccompProfileSpec spec;
        if (profile is null)
        {
            content = file.Content;
            spec = rawSpec!;
        }
        else if (profile is SeccompProfile seccomp)
        {
            if (!string.IsNullOrEmpty(seccomp.Spec.BaseProfileName))
            {
                throw new OciArtifactException(file.Source + ": baseProfileName '" + seccomp.Spec.BaseProfileName + "' cannot be resolved by container runtimes; push the resolved profile");
            }

            spec = seccomp.Spec;
            content = RuntimeSpecSeccomp.ToJson(spec);
        }
        else
        {
            throw new OciArtifactException(file.Source + ": a KEP 6061 artifact holds a seccomp profile, not a " + profile.Kind);
        }

        if (file.Platform is not null)
        {
            warnings.Add("platform " + file.Platform + " ignored: KEP 6061 artifacts are platform independent");
        }

        warnings.AddRange(RuntimeWarnings(spec, content.Length));
        var config = OciDescriptor.Of(EmptyJson, OciMediaTypes.SeccompProfileConfig);
        var layer = OciDescriptor.Of(content, OciMediaTypes.Json) with
        {
            Annotations = new Dictionary<string, string>(userAnnotations) { [OciMediaTypes.AnnotationTitle] = DefaultProfileJson },
        };
        var manifest = new OciManifest
        {
            ArtifactType = OciMediaTypes.SeccompProfileConfig,
            Config = config,
            Layers = [layer],
            Annotations = manifestAnnotations,
        };
        return new PackedProfileArtifact(OciJson.Serialize(manifest), [(config, EmptyJson), (layer, content)], ProfileArtifactLayout.Kep6061, warnings);
    }

    private static OciDescriptor EmptyConfig() => OciDescriptor.Of(EmptyJson, OciMediaTypes.Empty);

    private static string NameFromReference(OciReference reference)
    {
        var last = reference.Repository[(reference.Repository.LastIndexOf('/') + 1)..];
        var name = new string(last.Select(ch => char.IsAsciiLetterLower(ch) || char.IsAsciiDigit(ch) || ch is '.' or '-' ? ch : '-').ToArray()).Trim('-', '.');
        return name.Length == 0 ? "profile" : name;
    }
}
