using TypedClientSample;

// SeccompProfiles through the generated typed clients: create, list every page, server-side apply, watch,
// clean up. Against --kubeconfig PATH (a real cluster) or, by default, an in-process API server on
// 127.0.0.1. See SampleRun for the steps and SampleOptions for the flags.
return await SampleRun.RunAsync(args, Console.Out, Console.Error);
