using System.Runtime.InteropServices;

namespace SpoSdk.Cli.Commands;

/// <summary>
/// While spoc waits for a command it started (record, run): Ctrl-C and Ctrl-\ reach the command through
/// the terminal's process group, so spoc itself survives them and reports how the command ended (and
/// record still writes its profile); SIGTERM, usually sent to spoc alone, is passed on to the command
/// through <see cref="Stop"/>.
/// </summary>
internal sealed class CommandSignals : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration[] _registrations;

    public CommandSignals() => _registrations =
    [
        PosixSignalRegistration.Create(PosixSignal.SIGINT, static context => context.Cancel = true),
        PosixSignalRegistration.Create(PosixSignal.SIGQUIT, static context => context.Cancel = true),
        PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            _stop.Cancel();
        }),
    ];

    /// <summary>Cancelled when spoc receives SIGTERM.</summary>
    public CancellationToken Stop => _stop.Token;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _stop.Dispose();
    }
}
