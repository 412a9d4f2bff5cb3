using System.Runtime.InteropServices;

namespace SpoSdk.Cli.Commands;

/// <summary>
/// While a command writes files (migrate, and the <c>-o OUT</c> of convert, merge, record and pull): Ctrl-C
/// (SIGINT) and SIGTERM no longer end spoc in the middle of a write, which would leave the write's temporary
/// <c>.NAME.*.tmp</c> file behind. The command finishes the file it is writing, starts no other, and exits
/// 128 + the signal's number (<see cref="ExitCode"/>: 130 for Ctrl-C, 143 for SIGTERM), as a shell reports a
/// command the signal ended. A second signal ends spoc at once (a write into a FIFO nobody reads never finishes).
/// </summary>
internal sealed class StopSignals : IDisposable
{
    private const int SigInt = 2;
    private const int SigTerm = 15;

    private readonly PosixSignalRegistration[] _registrations;
    private int _signal;

    public StopSignals() => _registrations = [Register(PosixSignal.SIGINT, SigInt), Register(PosixSignal.SIGTERM, SigTerm)];

    /// <summary>Whether SIGINT or SIGTERM has arrived.</summary>
    public bool Stopped => Volatile.Read(ref _signal) != 0;

    /// <summary>128 + the number of the first signal that arrived.</summary>
    public int ExitCode => 128 + Volatile.Read(ref _signal);

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }

    // The first signal is held until the file being written is done; a second one is not (the write may be blocked
    // for good, on a FIFO nobody reads), so pressing Ctrl-C twice always ends spoc.
    private PosixSignalRegistration Register(PosixSignal signal, int number) => PosixSignalRegistration.Create(signal, context =>
    {
        context.Cancel = Interlocked.CompareExchange(ref _signal, number, 0) == 0;
    });
}
