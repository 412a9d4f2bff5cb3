using TypedClientSample;

// SeccompProfiles through the generated typed clients: create, list every page, server-side apply, watch,
// clean up. Against --kubeconfig PATH (a real cluster) or, by default, an in-process API server on
// 127.0.0.1. See SampleRun for the steps and SampleOptions for the flags.
// Ctrl+C cancels the run instead of killing the process, so that it deletes what it created first.
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

try
{
    return await SampleRun.RunAsync(args, Console.Out, Console.Error, stop.Token);
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    await Console.Error.WriteLineAsync("cancelled");
    return 130;
}
