using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
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
    .AddSeccomp());

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
Console.WriteLine($"{"KIND",-16} {"NAME",-24} {"STATUS",-10} LOCALHOST PROFILE (under {nodeRoot})");
foreach (var profile in (await spo.Backend.Resource<SeccompProfile>().ListAsync()).Items)
{
    Console.WriteLine($"{profile.Kind,-16} {profile.Metadata.Name,-24} {profile.Status?.Status?.Value,-10} {profile.Status?.LocalhostProfile}");
}

if (once)
{
    await host.StopAsync();
    return;
}

Console.WriteLine("Operator running; press Ctrl+C to stop.");
await host.WaitForShutdownAsync();

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
