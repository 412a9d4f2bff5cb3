using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SpoSdk.Api.Naming;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Hosting;
using SpoSdk.Runtime.Backends;

// The Security Profiles Operator hosted in this process, on the embedded in-memory cluster: no
// Kubernetes needed. It loads the manifests in samples/manifests (or the folder given with
// --manifests), installs the profiles into a node root (./.spo/node by default), and prints each
// profile's state. With --once it exits when everything has settled; otherwise it keeps running.
var once = args.Contains("--once");
var manifests = Option("--manifests") ?? Path.Combine(FindRepository(), "samples", "manifests");
var nodeRoot = Option("--node-root") ?? Path.Combine(Environment.CurrentDirectory, ".spo", "node");

var builder = Host.CreateApplicationBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSecurityProfilesOperator(spo => spo
    .UseInMemoryBackend()
    .WithNodeName("local-node")
    .WithNodeRoot(nodeRoot)
    .AddSeccomp()
    .AddSelinux()
    .AddAppArmor()
    .AddLogEnricher()
    .AddRecording());

using var host = builder.Build();
var spo = host.Services.GetRequiredService<SpoOperator>();
var serializer = new SpoSerializer();
foreach (var file in Directory.EnumerateFiles(manifests, "*.yaml").Order(StringComparer.Ordinal))
{
    var result = serializer.ReadFile(file);
    foreach (var error in result.Errors)
    {
        Console.Error.WriteLine(error);
    }

    foreach (var obj in result.Objects)
    {
        await spo.Backend.CreateAsync(obj);
    }
}

await host.StartAsync();
await spo.WaitForIdleAsync(TimeSpan.FromMilliseconds(500), CancellationToken.None);
var paths = new NodePaths();
var rows = new List<(string Kind, string Name, string? Status, string NodeFile)>();
rows.AddRange((await spo.Backend.Resource<SeccompProfile>().ListAsync()).Items.Select(p => (p.Kind, p.Metadata.Name, p.Status?.Status?.Value, paths.SeccompProfile(p.Metadata.Name))));
rows.AddRange((await spo.Backend.Resource<SelinuxProfile>().ListAsync()).Items.Select(p => (p.Kind, p.Metadata.Name, p.Status?.Status?.Value, NodePaths.SelinuxPolicy(p.Metadata.Name))));
rows.AddRange((await spo.Backend.Resource<RawSelinuxProfile>().ListAsync()).Items.Select(p => (p.Kind, p.Metadata.Name, p.Status?.Status?.Value, NodePaths.SelinuxPolicy(p.Metadata.Name))));
rows.AddRange((await spo.Backend.Resource<AppArmorProfile>().ListAsync()).Items.Select(p => (p.Kind, p.Metadata.Name, p.Status?.Status?.Value, NodePaths.AppArmorProfile(p.Metadata.Name))));
Console.WriteLine($"{"KIND",-16} {"NAME",-24} {"STATUS",-12} NODE FILE (under {nodeRoot})");
foreach (var row in rows)
{
    Console.WriteLine($"{row.Kind,-16} {row.Name,-24} {row.Status,-12} {row.NodeFile}");
}

if (once)
{
    await host.StopAsync();
    return rows.Any(r => r.Status == "Error") ? 1 : 0;
}

Console.WriteLine("Operator running; press Ctrl+C to stop.");
await host.WaitForShutdownAsync();
return 0;

string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

// The samples live in the repository; find it from here or from the build output.
static string FindRepository()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "SpoSdk.sln")))
        {
            return dir.FullName;
        }
    }

    return Environment.CurrentDirectory;
}
