using BenchmarkDotNet.Running;

namespace SpoSdk.Benchmarks;

/// <summary>
/// Runs the benchmarks picked on the command line, from every benchmark class in this assembly:
/// <c>dotnet run -c Release --project tests/SpoSdk.Benchmarks -- --filter '*Generator*' --job short</c>.
/// </summary>
public static class Program
{
    /// <summary>Hands the arguments to BenchmarkDotNet's switcher.</summary>
    /// <param name="args">BenchmarkDotNet command-line arguments.</param>
    public static void Main(string[] args)
    {
        if (args.Contains("--node-install"))
        {
            NodeInstallBenchmarks.RunQuickAsync().GetAwaiter().GetResult();
            return;
        }

        if (args.Contains("--typed-client"))
        {
            TypedClientBenchmarks.RunQuickAsync().GetAwaiter().GetResult();
            return;
        }

        if (args.Contains("--conversion"))
        {
            ConversionBenchmarks.RunQuick();
            return;
        }

        if (args.Contains("--quick"))
        {
            Audit.QuickAuditBenchmark.Run();
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
