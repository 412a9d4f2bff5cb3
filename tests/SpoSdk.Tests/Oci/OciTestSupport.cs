using System.Text;
using SpoSdk.Cli.Commands;

namespace SpoSdk.Tests.Oci;

/// <summary>Runs <c>spoc push</c>/<c>spoc pull</c> in-process with a controlled environment.</summary>
internal static class Spoc
{
    public static Task<(int Code, string Stdout, string Stderr)> PushAsync(IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        RunAsync((o, e) => PushCommand.RunAsync(args, TextReader.Null, o, e, Environment(environment), null));

    public static Task<(int Code, string Stdout, string Stderr)> PullAsync(IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        RunAsync((o, e) => PullCommand.RunAsync(args, TextReader.Null, o, e, Environment(environment), null));

    // No variable of the test process leaks in: a developer's USERNAME or ~/.docker must not change results.
    private static Func<string, string?> Environment(IReadOnlyDictionary<string, string>? environment) =>
        name => environment is not null && environment.TryGetValue(name, out var value) ? value : null;

    private static async Task<(int, string, string)> RunAsync(Func<TextWriter, TextWriter, Task<int>> run)
    {
        var stdout = new StringWriter(new StringBuilder());
        var stderr = new StringWriter(new StringBuilder());
        var code = await run(stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
