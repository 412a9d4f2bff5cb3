using SpoSdk.Node.Files;
using SpoSdk.Profiles.NodeStatus;

namespace SpoSdk.Profiles.Selinux;

/// <summary>
/// Makes the kernel take (or forget) a CIL policy the node reconciler wrote to
/// <c>/etc/selinux.d/&lt;name&gt;.cil</c>; the profile name is the policy module's. The default,
/// <see cref="SelinuxdPolicyInstaller"/>, leaves installing to selinuxd and follows its status
/// (runtime.md §2.5); <see cref="SemodulePolicyInstaller"/> runs <c>semodule</c> itself. Under a node
/// root other than <c>/</c>, <see cref="FileOnlyProfileInstaller.ForNode"/> gives the file-only one.
/// Removal is called once the file is gone (selinuxd notices the file's removal).
/// </summary>
public interface ISelinuxPolicyInstaller : INodeProfileInstaller
{
}

/// <summary>What the SELinux installers share.</summary>
public static class SelinuxPolicyInstallers
{
    /// <summary>The file that exists exactly when the kernel has SELinux (selinuxfs mounted).</summary>
    public const string KernelMarker = "/sys/fs/selinux/enforce";

    /// <summary>Null when the node's kernel has SELinux, otherwise the failure to report (as upstream, a status error).</summary>
    public static NodeInstallResult? KernelSupport(INodeFileSystem files)
    {
        ArgumentNullException.ThrowIfNull(files);
        return files.ReadAllBytes(KernelMarker) is null
            ? NodeInstallResult.Failed("SELinux is not enabled in the kernel of this node (/sys/fs/selinux is absent)")
            : null;
    }
}
