using SpoSdk.Runtime.Backends.Kubernetes;

namespace SpoSdk.Samples;

/// <summary>Opens a kubeconfig for the samples, turning every way it can be wrong into one clear message.</summary>
internal static class KubeconfigBackend
{
    /// <summary>
    /// A Kubernetes backend for the kubeconfig's current context. A missing file throws
    /// <see cref="FileNotFoundException"/>, an unusable one <see cref="InvalidOperationException"/>,
    /// each with a message fit for one error line.
    /// </summary>
    public static KubernetesBackend Open(string kubeconfig)
    {
        // Checked here so a typo reads as one clear line, not KubernetesClient's parse error.
        if (!File.Exists(kubeconfig))
        {
            throw new FileNotFoundException("kubeconfig " + kubeconfig + " does not exist");
        }

        try
        {
            return KubernetesBackend.FromKubeconfig(kubeconfig);
        }
        catch (Exception ex) when (ex is k8s.Exceptions.KubeConfigException or YamlDotNet.Core.YamlException or IOException)
        {
            throw new InvalidOperationException("kubeconfig " + kubeconfig + " cannot be used: " + ex.Message, ex);
        }
    }
}
