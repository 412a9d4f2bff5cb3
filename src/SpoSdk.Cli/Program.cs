using SpoSdk.Cli;

return await SpocApp.RunAsync(args, Console.In, Console.Out, Console.Error).ConfigureAwait(false);
