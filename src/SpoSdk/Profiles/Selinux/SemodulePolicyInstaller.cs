using SpoSdk.Node.Commands;
using SpoSdk.Node.Files;
using SpoSdk.Profiles.NodeStatus;

namespace SpoSdk.Profiles.Selinux;

/// <summary>
/// Installs CIL policies with <c>semodule</c> directly, for nodes without selinuxd:
/// <c>semodule -i &lt;file&gt;</c> and <c>semodule -r &lt;name&gt;</c>, each an argument array through an
/// <see cref="ICommandRunner"/> (never a shell), after checking that the kernel has SELinux.
/// </summary>
public sealed class SemodulePolicyInstaller : ISelinuxPolicyInstaller
{
    private readonly ICommandRunner _runner;
    private readonly INodeFileSystem _files;
    private readonly string _semodule;

    /// <summary>Creates the installer.</summary>
    /// <param name="runner">Runs semodule.</param>
    /// <param name="files">The node's files (for the kernel check and the local path of the policy file).</param>
    /// <param name="semodulePath">The program; by default looked up in <c>/usr/sbin</c>, <c>/sbin</c>, then <c>PATH</c>.</param>
    public SemodulePolicyInstaller(ICommandRunner runner, INodeFileSystem files, string? semodulePath = null)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(files);
        _runner = runner;
        _files = files;
        _semodule = semodulePath ?? ExecutableLocator.Find("semodule", "/usr/sbin/semodule", "/sbin/semodule") ?? "semodule";
    }

    /// <inheritdoc />
    public Task<NodeInstallResult> InstallAsync(string policyName, string hostPath, CancellationToken cancellationToken) =>
        RunAsync(["-i", NodeInstallCommand.LocalPath(_files, hostPath)], "install " + policyName, cancellationToken);

    /// <inheritdoc />
    public Task<NodeInstallResult> RemoveAsync(string policyName, string hostPath, CancellationToken cancellationToken) =>
        RunAsync(["-r", policyName], "remove " + policyName, cancellationToken);

    private Task<NodeInstallResult> RunAsync(string[] arguments, string what, CancellationToken cancellationToken) =>
        SelinuxPolicyInstallers.KernelSupport(_files) is { } unsupported
            ? Task.FromResult(unsupported)
            : NodeInstallCommand.RunAsync(_runner, _semodule, "semodule", arguments, what, cancellationToken);
}
