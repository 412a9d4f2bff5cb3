using Microsoft.CodeAnalysis;

namespace SpoSdk.Generators.Analyzers;

/// <summary>Descriptors of the SDK-usage analyzers (SPO2xxx). IDs are tracked in AnalyzerReleases.*.md.</summary>
internal static class AnalyzerDescriptors
{
    private const string Category = "SpoSdk.Usage";
    /// <summary>
    /// The project's repository, the same value as <c>RepositoryUrl</c> in Directory.Build.props (a test keeps
    /// them equal). Each rule's help link is its page under <c>docs/analyzers/</c> there.
    /// </summary>
    public const string RepositoryUrl = "https://github.com/sposdk/sposdk";

    /// <summary>Where the rule pages live: <see cref="RepositoryUrl"/>'s default branch, <c>docs/analyzers/</c>.</summary>
    public const string HelpLinkBase = RepositoryUrl + "/blob/main/docs/analyzers/";

    /// <summary>SPO2001: a legacy-version model type is used.</summary>
    public static readonly DiagnosticDescriptor LegacyTypeUsage = new(
        "SPO2001",
        "Legacy-version model type is used",
        "'{0}' is a legacy {1} model type; use '{2}' instead",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "Legacy API versions are served only for compatibility; the v1 types hold everything they hold.",
        helpLinkUri: HelpLinkBase + "SPO2001.md");

    /// <summary>SPO2002: a string literal is not a known syscall name.</summary>
    public static readonly DiagnosticDescriptor UnknownSyscall = new(
        "SPO2002",
        "Unknown seccomp syscall name",
        "'{0}' is not a known syscall name on any supported architecture{1}",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "Seccomp syscall names are checked against the libseccomp syscall tables the SDK ships with.",
        helpLinkUri: HelpLinkBase + "SPO2002.md");

    /// <summary>SPO2003: a ProfileRecording has an invalid kind/recorder combination.</summary>
    public static readonly DiagnosticDescriptor InvalidRecordingCombination = new(
        "SPO2003",
        "Invalid ProfileRecording kind/recorder combination",
        "A ProfileRecording of kind '{0}' cannot use the '{1}' recorder; use '{2}'",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "SelinuxProfile recordings need the Logs recorder and AppArmorProfile recordings need the Bpf recorder.",
        helpLinkUri: HelpLinkBase + "SPO2003.md");

    /// <summary>SPO2004: a value the CRD schema rejects.</summary>
    public static readonly DiagnosticDescriptor SchemaConstraint = new(
        "SPO2004",
        "Value violates the CRD schema",
        "{0}",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Seccomp syscall rules take at most 6 argument filters, and enum-valued properties take only the schema's enum values.",
        helpLinkUri: HelpLinkBase + "SPO2004.md");

    /// <summary>SPO2005: a RawSelinuxProfile is created.</summary>
    public static readonly DiagnosticDescriptor RawSelinuxProfileCreated = new(
        "SPO2005",
        "RawSelinuxProfile needs enableRawSelinuxProfiles",
        "RawSelinuxProfile is rejected unless the operator runs with enableRawSelinuxProfiles, and its policy must pass the restricted-directive validator",
        Category,
        DiagnosticSeverity.Info,
        isEnabledByDefault: true,
        description: "The operator turns raw SELinux profiles off by default; policies that use restricted CIL directives are rejected.",
        helpLinkUri: HelpLinkBase + "SPO2005.md");
}
