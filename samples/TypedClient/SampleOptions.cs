using System.Globalization;

namespace TypedClientSample;

/// <summary>The sample's command line.</summary>
/// <param name="Kubeconfig">The cluster to use; null to start an in-process API server on 127.0.0.1.</param>
/// <param name="Count">How many SeccompProfiles to create.</param>
/// <param name="PageSize">How many objects a list page holds (so the list takes several pages).</param>
/// <param name="WatchTimeout">How long to wait for the watch to report the changes the sample made.</param>
/// <param name="Keep">Leave the created profiles in the cluster instead of deleting them (without it they are deleted even when the run fails or is cancelled).</param>
/// <param name="Verbose">On failure, print the whole exception, not only its message.</param>
public sealed record SampleOptions(string? Kubeconfig, int Count, int PageSize, TimeSpan WatchTimeout, bool Keep, bool Verbose)
{
    /// <summary>What <c>--help</c> prints.</summary>
    public const string Usage =
        "usage: TypedClient [--kubeconfig PATH] [--count N] [--page-size N] [--watch-seconds N] [--keep] [--verbose]\n" +
        "  Creates, lists (every page), applies (server-side), watches and deletes SeccompProfiles through the\n" +
        "  generated typed clients. Without --kubeconfig it starts an in-process API server on 127.0.0.1.";

    /// <summary>Reads the arguments; <see cref="ArgumentException"/> names the one that is wrong.</summary>
    public static SampleOptions Parse(IReadOnlyList<string> args)
    {
        var options = new SampleOptions(null, 5, 2, TimeSpan.FromSeconds(10), Keep: false, Verbose: false);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            options = arg switch
            {
                "--kubeconfig" => options with { Kubeconfig = Value(args, ref i) },
                "--count" => options with { Count = Positive(args, ref i) },
                "--page-size" => options with { PageSize = Positive(args, ref i) },
                "--watch-seconds" => options with { WatchTimeout = TimeSpan.FromSeconds(Positive(args, ref i)) },
                "--keep" => options with { Keep = true },
                "--verbose" => options with { Verbose = true },
                _ => throw new ArgumentException("unknown option " + arg + " (see --help)"),
            };
        }

        return options;
    }

    private static string Value(IReadOnlyList<string> args, ref int i)
    {
        var name = args[i];
        if (++i >= args.Count || args[i].Length == 0)
        {
            throw new ArgumentException(name + " needs a value");
        }

        return args[i];
    }

    private static int Positive(IReadOnlyList<string> args, ref int i)
    {
        var name = args[i];
        var text = Value(args, ref i);
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException(name + " needs a positive whole number, not '" + text + "'");
    }
}
