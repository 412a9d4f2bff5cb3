using SpoSdk.Node.Commands;

namespace SpoSdk.Translators.AppArmor;

/// <summary>
/// Compiles AppArmor policy text with the real <c>apparmor_parser</c> without loading it
/// (<c>-Q</c>: skip the kernel, <c>-K</c>: skip the cache), through an <see cref="ICommandRunner"/>,
/// so a policy can be checked where the kernel has no AppArmor, e.g. under a node root other than <c>/</c>.
/// </summary>
public sealed class AppArmorPolicyChecker
{
    private readonly ICommandRunner _runner;
    private readonly string _parserPath;
    private readonly string? _baseDirectory;

    /// <summary>Creates a checker that runs <paramref name="parserPath"/>.</summary>
    /// <param name="runner">Runs the parser with an argument array.</param>
    /// <param name="parserPath">The parser; <see cref="FindParser"/> finds it where upstream looks.</param>
    /// <param name="baseDirectory">
    /// The directory <c>#include &lt;tunables/global&gt;</c> and the abstractions resolve in; null keeps
    /// the parser's default (<c>/etc/apparmor.d</c>).
    /// </param>
    public AppArmorPolicyChecker(ICommandRunner runner, string parserPath, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentException.ThrowIfNullOrEmpty(parserPath);
        _runner = runner;
        _parserPath = parserPath;
        _baseDirectory = baseDirectory;
    }

    /// <summary>Where upstream looks for the parser, in order, before <c>PATH</c>.</summary>
    public static IReadOnlyList<string> ParserLocations { get; } = ["/usr/sbin/apparmor_parser", "/sbin/apparmor_parser"];

    /// <summary>The parser's path, or null when it is not installed.</summary>
    public static string? FindParser() => ExecutableLocator.Find("apparmor_parser", ParserLocations);

    /// <summary>Compiles policy files in one parser run; exit code 0 means every file compiled.</summary>
    public Task<CommandResult> CheckFilesAsync(IReadOnlyList<string> policyFiles, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policyFiles);
        ArgumentOutOfRangeException.ThrowIfZero(policyFiles.Count);
        var arguments = new List<string>(policyFiles.Count + 4) { "-Q", "-K" };
        if (_baseDirectory is not null)
        {
            arguments.Add("--base=" + _baseDirectory);
        }

        // "--" so that a file name can never be read as an option.
        arguments.Add("--");
        arguments.AddRange(policyFiles.Select(Path.GetFullPath));
        return _runner.RunAsync(_parserPath, arguments, new CommandOptions { Timeout = TimeSpan.FromMinutes(2) }, cancellationToken);
    }

    /// <summary>Compiles one policy text, written to a private temporary directory that is removed afterwards.</summary>
    public async Task<CommandResult> CheckAsync(string policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var directory = Directory.CreateTempSubdirectory("spo-apparmor-check-");
        try
        {
            var file = Path.Combine(directory.FullName, "profile");
            await File.WriteAllTextAsync(file, policy, cancellationToken).ConfigureAwait(false);
            return await CheckFilesAsync([file], cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
