using SpoSdk.Cli;
using SpoSdk.Cli.CommandLine;
using SpoSdk.Recording.Launch;

// spoc is its own launcher child for record and run (see LauncherChild): checked before anything else,
// on the main thread, which is the thread that must exec the target.
if (LauncherChild.RunIfRequested(args) is { } launcherExit)
{
    return launcherExit;
}

return await SpocApp.RunAsync(args, SpocConsole.System()).ConfigureAwait(false);
