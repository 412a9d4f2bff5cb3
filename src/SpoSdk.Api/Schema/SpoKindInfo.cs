namespace SpoSdk.Api.Schema;

/// <summary>Static facts about one served version of one kind, taken from its CRD.</summary>
/// <param name="Group">The API group.</param>
/// <param name="Version">The version name, e.g. <c>v1</c> or <c>v1alpha1</c>.</param>
/// <param name="Kind">The kind, e.g. <c>SeccompProfile</c>.</param>
/// <param name="Plural">The plural resource name.</param>
/// <param name="Singular">The singular resource name.</param>
/// <param name="ShortNames">Short names kubectl accepts.</param>
/// <param name="IsNamespaced">Whether objects live in a namespace (otherwise cluster-scoped).</param>
/// <param name="IsStorageVersion">Whether this version is the one objects are stored in (the hub).</param>
/// <param name="ModelType">The generated model type.</param>
/// <param name="ListType">The generated list type.</param>
public sealed record SpoKindInfo(
    string Group,
    string Version,
    string Kind,
    string Plural,
    string Singular,
    IReadOnlyList<string> ShortNames,
    bool IsNamespaced,
    bool IsStorageVersion,
    Type ModelType,
    Type ListType)
{
    /// <summary>The <c>apiVersion</c> value, <c>group/version</c>.</summary>
    public string ApiVersion => Group + "/" + Version;

    /// <summary>The CRD name, <c>plural.group</c>.</summary>
    public string CrdName => Plural + "." + Group;
}
