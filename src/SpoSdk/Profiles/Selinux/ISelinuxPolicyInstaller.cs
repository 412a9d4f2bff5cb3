using SpoSdk.Node.Files;
using SpoSdk.Profiles.NodeStatus;

namespace SpoSdk.Profiles.Selinux;

/// <summary>
/// Makes the kernel take (or forget) a CIL policy the node reconciler wrote to
/// <c>/etc/selinux.d/&lt;name&gt;.cil</c>. The default, <see cref="SelinuxdPolicyInstaller"/>, leaves
/// installing to selinuxd and follows its status (runtime.md §2.5);
/// <see cref="SemodulePolicyInstaller"/> runs <c>semodule</c> itself. Under a node root other than
/// <c>/</c>, <see cref="SelinuxPolicyInstallers.ForNode"/> uses <see cref="FileSelinuxPolicyInstaller"/>.
/// </summary>
public interface ISelinuxPolicyInstaller
{
    /// <summary>Installs the policy module <paramref name="policyName"/> from the file at <paramref name="hostPath"/> (already written).</summary>
    Task<NodeInstallResult> InstallAsync(string policyName, string hostPath, CancellationToken cancellationToken);

    /// <summary>Removes the policy module <paramref name="policyName"/> (its file is already gone).</summary>
    Task<NodeInstallResult> RemoveAsync(string policyName, string hostPath, CancellationToken cancellationToken);
}

/// <summary>
/// For node roots other than <c>/</c>: the written file is the whole install (it lies where selinuxd
/// would take it), so writing it counts as installed and removing it as removed.
/// </summary>
public sealed class FileSelinuxPolicyInstaller : ISelinuxPolicyInstaller
{
    /// <inheritdoc />
    public Task<NodeInstallResult> InstallAsync(string policyName, string hostPath, CancellationToken cancellationToken) => Task.FromResult(NodeInstallResult.Done);

    /// <inheritdoc />
    public Task<NodeInstallResult> RemoveAsync(string policyName, string hostPath, CancellationToken cancellationToken) => Task.FromResult(NodeInstallResult.Done);
}

/// <summary>Chooses the installer for a node.</summary>
public static class SelinuxPolicyInstallers
{
    /// <summary>The file that exists exactly when the kernel has SELinux (selinuxfs mounted).</summary>
    public const string KernelMarker = "/sys/fs/selinux/enforce";

    /// <summary><paramref name="installer"/> on the host root (<c>/</c>); the file-based installer under any other node root.</summary>
    public static ISelinuxPolicyInstaller ForNode(INodeFileSystem files, ISelinuxPolicyInstaller installer)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(installer);
        return files.Root == "/" ? installer : new FileSelinuxPolicyInstaller();
    }

    /// <summary>Null when the node's kernel has SELinux, otherwise the failure to report (as upstream, a status error).</summary>
    public static NodeInstallResult? KernelSupport(INodeFileSystem files)
    {
        ArgumentNullException.ThrowIfNull(files);
        return files.ReadAllBytes(KernelMarker) is null
            ? NodeInstallResult.Failed("SELinux is not enabled in the kernel of this node (/sys/fs/selinux is absent)")
            : null;
    }
}
