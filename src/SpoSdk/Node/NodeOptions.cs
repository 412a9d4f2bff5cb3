using SpoSdk.Api.Naming;

namespace SpoSdk.Node;

/// <summary>Who and where this node is.</summary>
public sealed record NodeOptions
{
    /// <summary>The node's name (upstream's NODE_NAME).</summary>
    public required string NodeName { get; init; }

    /// <summary>The kubelet directory on the host (upstream's KUBELET_DIR).</summary>
    public string KubeletDirectory { get; init; } = NodePaths.DefaultKubeletDirectory;

    /// <summary>The namespace the operator (and its SPOD object) lives in.</summary>
    public string OperatorNamespace { get; init; } = "security-profiles-operator";

    /// <summary>The name of the SPOD configuration object.</summary>
    public string SpodName { get; init; } = "spod";

    /// <summary>
    /// Whether the node's kernel can enforce seccomp; without it seccomp profiles are not installed and each reconcile
    /// reports upstream's <c>SeccompNotSupportedOnNode</c>. Defaults to <see cref="SeccompKernel.IsSupported"/> on
    /// this process's kernel, which a node agent shares with its node; the operator's builder sets it to true for a
    /// node root other than <c>/</c>, which stands in for a node with another kernel.
    /// </summary>
    public bool SeccompSupported { get; init; } = SeccompKernel.IsSupported();
}
