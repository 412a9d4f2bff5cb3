using System.Reflection;
using BenchmarkDotNet.Attributes;
using SpoSdk.Api.Serialization;
using YamlDotNet.RepresentationModel;

namespace SpoSdk.Benchmarks;

/// <summary>
/// SpoSerializer parse + validate throughput over the upstream example manifests repeated 1,000
/// times, against a baseline that only parses the same YAML into YamlDotNet's node tree.
/// </summary>
[MemoryDiagnoser]
public class SerializerBenchmarks
{
    private const int Repetitions = 1_000;
    private readonly SpoSerializer _serializer = new();
    private string _stream = string.Empty;

    /// <summary>How many documents one iteration reads.</summary>
    public int Documents { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        var root = typeof(SerializerBenchmarks).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;
        var examples = Path.GetFullPath(Path.Combine(root, "..", "shared", "upstream", "examples"));
        var folder = Directory.Exists(examples) ? examples : Path.Combine(root, "samples", "manifests");
        var manifests = Directory.EnumerateFiles(folder, "*.yaml")
            .Where(f => !Path.GetFileName(f).StartsWith("pod", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(File.ReadAllText)
            .Select(text => text.Trim().TrimStart('-').Trim())
            .ToList();
        var one = string.Join("\n---\n", manifests);
        _stream = string.Join("\n---\n", Enumerable.Repeat(one, Repetitions));
        var result = _serializer.Read(_stream);
        if (!result.IsValid)
        {
            throw new InvalidOperationException("benchmark input is not valid: " + result.Errors.First());
        }

        Documents = result.Documents.Count;
    }

    [Benchmark(Baseline = true, Description = "YamlDotNet node tree only")]
    public int ParseYamlOnly()
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(_stream));
        return stream.Documents.Count;
    }

    [Benchmark(Description = "SpoSerializer read + validate")]
    public int ReadAndValidate() => _serializer.Read(_stream).Documents.Count;
}
