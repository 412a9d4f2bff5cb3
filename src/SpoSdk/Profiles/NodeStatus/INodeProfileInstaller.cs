using SpoSdk.Node.Files;
using SpoSdk.Profiles.AppArmor;
using SpoSdk.Profiles.Selinux;

namespace SpoSdk.Profiles.NodeStatus;

/// <summary>
/// Makes the kernel take (or forget) a profile whose file the node reconciler wrote:
/// <see cref="ISelinuxPolicyInstaller"/> for CIL policies, <see cref="IAppArmorProfileLoader"/> for
/// AppArmor profiles.
/// </summary>
public interface INodeProfileInstaller
{
    /// <summary>Installs profile <paramref name="profileName"/> from the file at <paramref name="hostPath"/> (already written).</summary>
    Task<NodeInstallResult> InstallAsync(string profileName, string hostPath, CancellationToken cancellationToken);

    /// <summary>Removes profile <paramref name="profileName"/>; its file is still there for loaders that read it (AppArmor), already gone for the others.</summary>
    Task<NodeInstallResult> RemoveAsync(string profileName, string hostPath, CancellationToken cancellationToken);

    /// <summary>
    /// Whether the install happens on the installer's own time once the file is written (selinuxd watches its
    /// directory): an answer right after a write may still describe the previous file, and an install may fail
    /// later, so the reconciler asks again on a later pass and on every resync. False: the answer is final (apparmor_parser).
    /// </summary>
    bool AppliesFilesLater => false;

    /// <summary>
    /// The subdirectory of the file's directory where its temporary file is written before the rename, for an
    /// installer that watches the directory (selinuxd would take a temporary file for a policy); null: beside the file.
    /// </summary>
    string? StagingSubdirectory => null;
}

/// <summary>
/// For node roots other than <c>/</c>: the file lies where selinuxd or apparmor_parser would take it,
/// so writing it counts as installed and removing it as removed.
/// </summary>
public sealed class FileOnlyProfileInstaller : ISelinuxPolicyInstaller, IAppArmorProfileLoader
{
    /// <inheritdoc />
    public Task<NodeInstallResult> InstallAsync(string profileName, string hostPath, CancellationToken cancellationToken) => Task.FromResult(NodeInstallResult.Done);

    /// <inheritdoc />
    public Task<NodeInstallResult> RemoveAsync(string profileName, string hostPath, CancellationToken cancellationToken) => Task.FromResult(NodeInstallResult.Done);

    /// <summary><paramref name="onHost"/> on the host root (<c>/</c>); a file-only installer under any other node root.</summary>
    public static T ForNode<T>(INodeFileSystem files, T onHost)
        where T : class, INodeProfileInstaller
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(onHost);
        return files.Root == "/" ? onHost : (T)(INodeProfileInstaller)new FileOnlyProfileInstaller();
    }
}
