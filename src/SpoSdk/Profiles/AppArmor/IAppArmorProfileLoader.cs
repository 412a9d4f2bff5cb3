using SpoSdk.Node.Commands;
using SpoSdk.Node.Files;
using SpoSdk.Profiles.NodeStatus;
using SpoSdk.Translators.AppArmor;

namespace SpoSdk.Profiles.AppArmor;

/// <summary>
/// Makes the kernel load (or unload) the AppArmor profile the node reconciler wrote to
/// <c>/etc/apparmor.d/&lt;name&gt;</c>: <see cref="AppArmorParserLoader"/> on the host root,
/// <see cref="FileOnlyProfileInstaller"/> under any other node root (<see cref="FileOnlyProfileInstaller.ForNode"/>).
/// Removal is called while the file is still there: the parser reads the profile names from it.
/// </summary>
public interface IAppArmorProfileLoader : INodeProfileInstaller
{
}

/// <summary>Where the kernel says whether it has AppArmor.</summary>
public static class AppArmorKernel
{
    /// <summary>The kernel's switch: <c>Y</c> when AppArmor is enabled (runtime.md §3.1).</summary>
    public const string Switch = "/sys/module/apparmor/parameters/enabled";

    /// <summary>The profiles the kernel has loaded, one per line as <c>name (mode)</c>.</summary>
    public const string LoadedProfiles = "/sys/kernel/security/apparmor/profiles";
}

/// <summary>
/// Loads profiles with <c>apparmor_parser</c> (runtime.md §3.3), each call an argument array through
/// an <see cref="ICommandRunner"/>: <c>-r -K -- &lt;file&gt;</c> to load or replace (no cache, so a stale cache entry never wins), <c>-R -- &lt;file&gt;</c>
/// to remove. Complain mode needs no option: the generated profile carries <c>flags=(complain,…)</c>,
/// as upstream's does. A kernel without AppArmor (<see cref="AppArmorKernel.Switch"/>
/// not <c>Y</c>) is a failure, as upstream's <c>AppArmorNotSupportedOnNode</c>.
/// </summary>
public sealed class AppArmorParserLoader : IAppArmorProfileLoader
{
    private readonly ICommandRunner _runner;
    private readonly INodeFileSystem _files;
    private readonly string _parser;

    /// <summary>Creates the loader.</summary>
    /// <param name="runner">Runs the parser.</param>
    /// <param name="files">The node's files (for the kernel check and the local path of the profile file).</param>
    /// <param name="parserPath">The parser; by default where upstream looks (<see cref="AppArmorPolicyChecker.FindParser"/>).</param>
    public AppArmorParserLoader(ICommandRunner runner, INodeFileSystem files, string? parserPath = null)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(files);
        _runner = runner;
        _files = files;
        _parser = parserPath ?? AppArmorPolicyChecker.FindParser() ?? "apparmor_parser";
    }

    /// <inheritdoc />
    public Task<NodeInstallResult> InstallAsync(string profileName, string hostPath, CancellationToken cancellationToken) =>
        RunAsync(["-r", "-K", "--", LocalPath(hostPath)], "load " + profileName, cancellationToken);

    /// <inheritdoc />
    public Task<NodeInstallResult> RemoveAsync(string profileName, string hostPath, CancellationToken cancellationToken) =>
        RunAsync(["-R", "--", LocalPath(hostPath)], "unload " + profileName, cancellationToken);

    private string LocalPath(string hostPath) => NodeInstallCommand.LocalPath(_files, hostPath);

    private Task<NodeInstallResult> RunAsync(string[] arguments, string what, CancellationToken cancellationToken)
    {
        if (_files.ReadAllBytes(AppArmorKernel.Switch) is not [(byte)'Y', ..])
        {
            return Task.FromResult(NodeInstallResult.Unsupported("AppArmor is not enabled in the kernel of this node (" + AppArmorKernel.Switch + " is not Y)"));
        }

        return NodeInstallCommand.RunAsync(_runner, _parser, "apparmor_parser", arguments, what, cancellationToken);
    }
}
