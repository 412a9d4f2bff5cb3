using HostedOperatorSample;

// The Security Profiles Operator hosted in this process as an ASP.NET Core application: by default
// on the embedded in-memory cluster (no Kubernetes needed), seeded from samples/manifests and kept in
// step with that folder, profiles installed under ./.spo/node, webhooks on http://127.0.0.1:8443.
// See HostedOperatorOptions for the flags (--help) and HostedOperatorApp for the run.
return await HostedOperatorApp.RunAsync(args, Console.Out, Console.Error);
