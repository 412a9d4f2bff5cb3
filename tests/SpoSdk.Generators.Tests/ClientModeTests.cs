namespace SpoSdk.Generators.Tests;

/// <summary>
/// Clients mode (<c>SpoSdkGeneratorOutput=Clients</c>, as the SpoSdk runtime builds): the same CRDs give the
/// typed clients and the client set, never the models or the catalog (those live in the models' assembly).
/// The SpoSdk build compiles the output against the real backends; here the shape is checked.
/// </summary>
public sealed class ClientModeTests
{
    private static readonly Dictionary<string, string> ClientMode = new(StringComparer.Ordinal)
    {
        ["SpoSdkGeneratorOutput"] = "Clients",
        ["SpoSdkClientNamespace"] = "Golden.Clients",
    };

    [Fact]
    public void Every_kind_and_version_gets_a_client_and_nothing_else_is_emitted()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.LoadAllCrds(), buildProperties: ClientMode);

        Assert.Null(run.Generator.Exception);
        Assert.Empty(run.Diagnostics);
        Assert.Equal(8 * 2, run.Sources.Keys.Count(hint => hint.Contains("Client.V1", StringComparison.Ordinal)));
        Assert.Equal(8 * 2 + 1, run.Sources.Count);
        Assert.Contains("SpoClients.g.cs", run.Sources.Keys);
        Assert.DoesNotContain("SpoGeneratedKinds.g.cs", run.Sources.Keys);
    }

    [Fact]
    public void Signatures_follow_the_scope_and_legacy_clients_are_obsolete()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.LoadAllCrds(), buildProperties: ClientMode);

        var seccomp = run.Sources["seccompprofile.SeccompProfileClient.V1.g.cs"];
        Assert.Contains("namespace Golden.Clients.V1;", seccomp, StringComparison.Ordinal);
        Assert.Contains("global::Golden.Api.V1.SeccompProfile?> GetAsync(string name,", seccomp, StringComparison.Ordinal);
        Assert.DoesNotContain("ListAllNamespacesAsync", seccomp, StringComparison.Ordinal);
        Assert.DoesNotContain("Obsolete", seccomp, StringComparison.Ordinal);
        Assert.Contains("ApplyAsync(global::Golden.Api.V1.SeccompProfile obj, global::SpoSdk.Runtime.Backends.ApplyOptions options,", seccomp, StringComparison.Ordinal);
        Assert.Contains("PatchStatusAsync(string name, global::SpoSdk.Runtime.Backends.ResourcePatch patch,", seccomp, StringComparison.Ordinal);
        Assert.Contains("_resource.PatchStatusAsync(global::SpoSdk.Runtime.ObjectKey.Cluster(name), patch, cancellationToken)", seccomp, StringComparison.Ordinal);

        var binding = run.Sources["profilebinding.ProfileBindingClient.V1Alpha1.g.cs"];
        Assert.Contains("GetAsync(string @namespace, string name,", binding, StringComparison.Ordinal);
        Assert.Contains("ListAllNamespacesAsync(", binding, StringComparison.Ordinal);
        Assert.Contains("[global::System.Obsolete(", binding, StringComparison.Ordinal);
        Assert.Contains("_resource.ApplyAsync(obj, options, cancellationToken)", binding, StringComparison.Ordinal);
        Assert.Contains("PatchStatusAsync(string @namespace, string name, global::SpoSdk.Runtime.Backends.ResourcePatch patch,", binding, StringComparison.Ordinal);

        var set = run.Sources["SpoClients.g.cs"];
        Assert.Contains("global::Golden.Clients.V1.ISecurityProfileNodeStatusClient SecurityProfileNodeStatuses { get; }", set, StringComparison.Ordinal);
        Assert.Contains("AddSpoClients(", set, StringComparison.Ordinal);
        Assert.DoesNotContain("V1Alpha1", set, StringComparison.Ordinal);
    }
}
