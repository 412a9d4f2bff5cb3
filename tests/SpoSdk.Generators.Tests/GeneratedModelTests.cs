using System.Reflection;
using System.Text.Json;
using k8s.Models;
using SpoSdk.Api.Schema;

namespace SpoSdk.Generators.Tests;

/// <summary>The models SpoSdk.Api generates from the real crds/ at build time, as a user sees them.</summary>
public sealed class GeneratedModelTests
{
    private const string Group = "security-profiles-operator.x-k8s.io";

    private static readonly string[] Kinds =
    {
        "AppArmorProfile", "ProfileBinding", "ProfileRecording", "RawSelinuxProfile",
        "SeccompProfile", "SecurityProfileNodeStatus", "SecurityProfilesOperatorDaemon", "SelinuxProfile",
    };

    private static IReadOnlyList<SpoKindInfo> All => SpoSdk.Api.SpoGeneratedKinds.All;

    [Fact]
    public void CatalogListsEveryKindInTwoVersions()
    {
        Assert.Equal(16, All.Count);
        Assert.Equal(Kinds, All.Select(i => i.Kind).Distinct().Order(StringComparer.Ordinal));
        Assert.All(All.GroupBy(i => i.Kind), versions => Assert.Equal(2, versions.Count()));
        Assert.Equal(16, All.Select(i => i.ApiVersion + "/" + i.Kind).Distinct().Count());
        Assert.All(All, info => Assert.Equal(Group, info.Group));

        // Ordered by kind, then version.
        Assert.Equal(All.OrderBy(i => i.Kind, StringComparer.Ordinal).ThenBy(i => i.Version, StringComparer.Ordinal), All);
    }

    [Fact]
    public void V1IsTheStorageVersionOfEveryKind()
    {
        Assert.All(All, info => Assert.Equal(info.Version == "v1", info.IsStorageVersion));
        Assert.All(All.GroupBy(i => i.Kind), versions => Assert.Single(versions, i => i.IsStorageVersion));
    }

    [Fact]
    public void EveryModelTypeCarriesItsKubernetesEntity()
    {
        Assert.All(All, info =>
        {
            var entity = info.ModelType.GetCustomAttribute<KubernetesEntityAttribute>();
            Assert.NotNull(entity);
            Assert.Equal((info.Group, info.Kind, info.Version, info.Plural), (entity.Group, entity.Kind, entity.ApiVersion, entity.PluralName));

            var listEntity = info.ListType.GetCustomAttribute<KubernetesEntityAttribute>();
            Assert.NotNull(listEntity);
            Assert.Equal((info.Group, info.Kind + "List", info.Version, info.Plural), (listEntity.Group, listEntity.Kind, listEntity.ApiVersion, listEntity.PluralName));

            Assert.True(typeof(ISpoObject).IsAssignableFrom(info.ModelType), info.ModelType + " is no ISpoObject");
            Assert.Equal(info.Kind, info.ModelType.Name);
            Assert.EndsWith("." + VersionNamespace(info.Version), info.ModelType.Namespace, StringComparison.Ordinal);
            Assert.Same(info, info.ModelType.GetProperty("Info", BindingFlags.Public | BindingFlags.Static)!.GetValue(null));
        });
    }

    [Fact]
    public void NewModelsStartWithTheirApiVersionAndKind()
    {
        Assert.All(All, info =>
        {
            var model = (ISpoObject)Activator.CreateInstance(info.ModelType)!;
            Assert.Equal(info.ApiVersion, model.ApiVersion);
            Assert.Equal(info.Kind, model.Kind);
            Assert.NotNull(model.Metadata);
            Assert.Same(info, model.KindInfo);
        });
    }

    [Fact]
    public void LegacyVersionTypesAreObsoleteAndStorageVersionTypesAreNot()
    {
        var assembly = typeof(ISpoObject).Assembly;
        var legacyNamespaces = All.Where(i => !i.IsStorageVersion).Select(i => i.ModelType.Namespace!).ToHashSet(StringComparer.Ordinal);
        var storageNamespaces = All.Where(i => i.IsStorageVersion).Select(i => i.ModelType.Namespace!).ToHashSet(StringComparer.Ordinal);
        Assert.Empty(legacyNamespaces.Intersect(storageNamespaces));

        var legacyTypes = assembly.GetExportedTypes().Where(t => legacyNamespaces.Contains(t.Namespace ?? string.Empty)).ToList();
        var storageTypes = assembly.GetExportedTypes().Where(t => storageNamespaces.Contains(t.Namespace ?? string.Empty)).ToList();
        Assert.True(legacyTypes.Count > 2 * 8, "too few legacy types found: " + legacyTypes.Count);

        Assert.All(legacyTypes, type => Assert.True(type.IsDefined(typeof(ObsoleteAttribute)), type + " (a legacy version) has no [Obsolete]"));
        Assert.All(storageTypes, type => Assert.False(type.IsDefined(typeof(ObsoleteAttribute)), type + " (a storage version) is [Obsolete]"));
        Assert.All(All.Where(i => !i.IsStorageVersion), info =>
            Assert.Contains("SpoSdk.Api.V1 types", info.ModelType.GetCustomAttribute<ObsoleteAttribute>()!.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void EnumStructsKeepUnknownValues()
    {
        var unknown = SpoSdk.Api.V1.SeccompAction.FromValue("SCMP_ACT_FOO");

        Assert.False(unknown.IsKnown);
        Assert.Equal("SCMP_ACT_FOO", unknown.Value);
        Assert.Equal("SCMP_ACT_FOO", unknown.ToString());
        Assert.NotEqual(SpoSdk.Api.V1.SeccompAction.ScmpActLog, unknown);
        Assert.DoesNotContain("SCMP_ACT_FOO", SpoSdk.Api.V1.SeccompAction.KnownValues);

        var json = JsonSerializer.Serialize(unknown);
        Assert.Equal("\"SCMP_ACT_FOO\"", json);
        var roundTripped = JsonSerializer.Deserialize<SpoSdk.Api.V1.SeccompAction>(json);
        Assert.Equal(unknown, roundTripped);
        Assert.False(roundTripped.IsKnown);
    }

    [Fact]
    public void EnumStructsRecognizeKnownValues()
    {
        var known = SpoSdk.Api.V1.SeccompAction.FromValue("SCMP_ACT_LOG");

        Assert.True(known.IsKnown);
        Assert.Equal(SpoSdk.Api.V1.SeccompAction.ScmpActLog, known);
        Assert.Equal(9, SpoSdk.Api.V1.SeccompAction.KnownValues.Count);
        Assert.Null(default(SpoSdk.Api.V1.SeccompAction).Value);
        Assert.False(default(SpoSdk.Api.V1.SeccompAction).IsKnown);
    }

    [Fact]
    public void UnknownEnumValueIsAValidationErrorNotAReadError()
    {
        var profile = new SpoSdk.Api.V1.SeccompProfile
        {
            Metadata = new V1ObjectMeta { Name = "demo" },
            Spec = new SpoSdk.Api.V1.SeccompProfileSpec { DefaultAction = SpoSdk.Api.V1.SeccompAction.FromValue("SCMP_ACT_FOO") },
        };
        var context = new SchemaValidationContext();

        profile.Validate(context);

        var violation = Assert.Single(context.Violations);
        Assert.Equal("$.spec.defaultAction", violation.Path);
        Assert.Contains("SCMP_ACT_FOO", violation.Message, StringComparison.Ordinal);
    }

    private static string VersionNamespace(string version) =>
        string.Concat(version.Select((c, i) => i == 0 || (char.IsLetter(c) && char.IsDigit(version[i - 1])) ? char.ToUpperInvariant(c) : c));
}
