using System.Runtime.InteropServices;
using SpoSdk.Recording.Launch;

namespace SpoSdk.Recording.Ptrace;

/// <summary>What the tracer reports to whoever records: syscalls, their results, and execs.</summary>
internal interface ISyscallObserver
{
    /// <summary>
    /// A syscall entry of the traced command (only after its first exec; the launcher's own calls are never
    /// reported). Returns true to be told the result of this call through <see cref="OnExit"/>.
    /// </summary>
    bool OnEntry(int tid, uint auditArch, long number, ReadOnlySpan<ulong> args);

    /// <summary>The result of a call <see cref="OnEntry"/> asked about.</summary>
    void OnExit(int tid, long result, bool isError);

    /// <summary>
    /// A successful exec in the traced command: <paramref name="tid"/> now runs the new program;
    /// <paramref name="formerTid"/> is the thread that called execve (different when a non-leader thread did).
    /// </summary>
    void OnExec(int tid, int formerTid);
}

/// <summary>The end of a traced run.</summary>
/// <param name="WaitStatus">The command's wait status (exit code or signal).</param>
/// <param name="Started">Whether the command was exec'd at all (false when the launcher failed first).</param>
internal readonly record struct TraceOutcome(int WaitStatus, bool Started)
{
    /// <summary>The exit code a shell would report.</summary>
    public int ExitCode => LibC.ExitCodeOf(WaitStatus);
}

/// <summary>ptrace is not usable here (no permission, or a seccomp policy forbids it).</summary>
public sealed class PtraceUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PtraceUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception without a message.</summary>
    public PtraceUnavailableException()
    {
    }

    /// <summary>Creates the exception with a cause.</summary>
    public PtraceUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Runs a command under ptrace and follows every fork, vfork, clone and exec. All ptrace calls are made
/// from one dedicated OS thread: a tracee belongs to the thread that seized it, and waits use
/// <c>__WNOTHREAD</c> so that other children of the host process are never reaped here. Nothing here
/// uses System.Diagnostics.Process, whose SIGCHLD handling would reap the tracer's stops.
/// </summary>
internal static unsafe class PtraceTracer
{
    private const int SyscallStop = LibC.SigTrap | 0x80;

    // How long a cancelled command has to end after SIGTERM before every process left gets SIGKILL.
    private static readonly TimeSpan CancelGrace = TimeSpan.FromSeconds(5);

    /// <summary>Traces the command to its end (and that of every process it started) on a new thread.</summary>
    public static Task<TraceOutcome> RunAsync(LauncherCommand launcher, string program, IReadOnlyList<string> argv, ISyscallObserver observer, CancellationToken cancellationToken)
    {
        var completion = new TaskCompletionSource<TraceOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                completion.SetResult(Trace(launcher, program, argv, observer, cancellationToken));
            }
            catch (Exception ex)
            {
                completion.SetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "spo-ptrace",
        };
        thread.Start();
        return completion.Task;
    }

    private static TraceOutcome Trace(LauncherCommand launcher, string program, IReadOnlyList<string> argv, ISyscallObserver observer, CancellationToken cancellationToken)
    {
        var root = LauncherChild.Spawn(launcher, LaunchMode.StopForTracer, program, argv);
        var waited = LibC.WaitPidRetrying(root, out var status, LibC.WUntraced | LibC.WAll | LibC.WNoThread);
        if (waited < 0)
        {
            throw new LaunchException("waitpid: " + LibC.ErrorText(-waited), -waited);
        }

        if (!LibC.Stopped(status))
        {
            return new TraceOutcome(status, Started: false);
        }

        var options = PtraceInterop.OptionTraceSysGood | PtraceInterop.OptionTraceFork | PtraceInterop.OptionTraceVFork
            | PtraceInterop.OptionTraceClone | PtraceInterop.OptionTraceExec | PtraceInterop.OptionExitKill;
        if (PtraceInterop.Ptrace(PtraceInterop.Seize, root, 0, options) < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            LibC.Kill(root, LibC.SigKill);
            LibC.WaitPidRetrying(root, out _, LibC.WAll | LibC.WNoThread);
            throw new PtraceUnavailableException("ptrace(PTRACE_SEIZE) failed: " + LibC.ErrorText(errno)
                + " (ptrace may be forbidden here: kernel.yama.ptrace_scope, a seccomp policy, or a missing CAP_SYS_PTRACE)");
        }

        LibC.Kill(root, LibC.SigCont);

        // Cancelling ends every traced process, not only the root: a shell's child that outlives it would keep the
        // loop (and the recording) waiting. SIGTERM first; whatever ignores it gets SIGKILL after the grace period.
        var tracees = new Tracees(root);
        using var escalation = new Timer(_ => tracees.SignalAll(LibC.SigKill));
        using var cancellation = cancellationToken.Register(() =>
        {
            tracees.SignalAll(LibC.SigTerm);
            escalation.Change(CancelGrace, Timeout.InfiniteTimeSpan);
        });
        return Loop(root, observer, tracees);
    }

    private static TraceOutcome Loop(int root, ISyscallObserver observer, Tracees tracees)
    {
        var rootStatus = 0;
        var started = false;
        var awaitingExit = new HashSet<int>();
        PtraceInterop.SyscallInfo info;
        var args = stackalloc ulong[6];
        while (true)
        {
            var tid = LibC.WaitPidRetrying(-1, out var status, LibC.WAll | LibC.WNoThread);
            if (tid < 0)
            {
                if (-tid == LibC.EChild)
                {
                    break;
                }

                throw new LaunchException("waitpid: " + LibC.ErrorText(-tid), -tid);
            }

            if (!LibC.Stopped(status))
            {
                tracees.Remove(tid);
                awaitingExit.Remove(tid);
                if (tid == root)
                {
                    rootStatus = status;
                }

                continue;
            }

            var signal = LibC.StopSignal(status);
            var eventCode = (status >> 16) & 0xffff;
            nint inject = 0;
            tracees.Add(tid);
            if (eventCode is PtraceInterop.EventFork or PtraceInterop.EventVFork or PtraceInterop.EventClone)
            {
                // The new process is known from here, before its own first stop is seen.
                nint child = 0;
                if (PtraceInterop.Ptrace(PtraceInterop.GetEventMessage, tid, 0, (nint)(&child)) >= 0)
                {
                    tracees.Add((int)child);
                }
            }

            if (signal == SyscallStop)
            {
                // Stops before the root's exec belong to the launcher child: never recorded.
                if (started && PtraceInterop.Ptrace(PtraceInterop.GetSyscallInfo, tid, sizeof(PtraceInterop.SyscallInfo), (nint)(&info)) > 0)
                {
                    if (info.Op == PtraceInterop.SyscallInfoEntry)
                    {
                        for (var i = 0; i < 6; i++)
                        {
                            args[i] = info.Args[i];
                        }

                        if (observer.OnEntry(tid, info.Arch, (long)info.Number, new ReadOnlySpan<ulong>(args, 6)))
                        {
                            awaitingExit.Add(tid);
                        }
                    }
                    else if (info.Op == PtraceInterop.SyscallInfoExit && awaitingExit.Remove(tid))
                    {
                        observer.OnExit(tid, info.ReturnValue, info.IsError != 0);
                    }
                }
            }
            else if (eventCode == PtraceInterop.EventExec)
            {
                nint former = tid;
                PtraceInterop.Ptrace(PtraceInterop.GetEventMessage, tid, 0, (nint)(&former));
                if (tid == root || (int)former == root)
                {
                    started = true;
                }

                awaitingExit.Remove((int)former);
                if ((int)former != tid)
                {
                    // A thread other than the leader ran execve: the kernel gave it the leader's id and never reports
                    // its old id as exited, so the old id must not stay among the processes a cancel signals.
                    tracees.Remove((int)former);
                }

                if (started)
                {
                    observer.OnExec(tid, (int)former);
                }
            }
            else if (eventCode == 0)
            {
                // A signal for the tracee: deliver it. (Fork/clone/stop events need nothing but a restart.)
                inject = signal;
            }

            PtraceInterop.Ptrace(PtraceInterop.Syscall, tid, 0, inject);
        }

        return new TraceOutcome(rootStatus, started);
    }

    /// <summary>The traced processes and threads alive now, so that a cancellation can signal every one of them.</summary>
    private sealed class Tracees(int root)
    {
        private readonly HashSet<int> _live = [root];

        /// <summary>A tracee seen (by its stop, or announced by a fork/clone event).</summary>
        public void Add(int tid)
        {
            lock (_live)
            {
                _live.Add(tid);
            }
        }

        /// <summary>A tracee reaped by the loop.</summary>
        public void Remove(int tid)
        {
            lock (_live)
            {
                _live.Remove(tid);
            }
        }

        /// <summary>Sends <paramref name="signal"/> to every live tracee.</summary>
        /// <remarks>
        /// A tracee that exits stays a zombie (its id taken) until the loop reaps it, and the loop forgets it right
        /// after: only an id reused within that moment, after a wrap of the whole pid space, could be hit wrongly.
        /// </remarks>
        public void SignalAll(int signal)
        {
            lock (_live)
            {
                foreach (var tid in _live)
                {
                    LibC.Kill(tid, signal);
                }
            }
        }
    }
}

/// <summary>Reads a tracee's memory with process_vm_readv (no per-word PTRACE_PEEKDATA).</summary>
internal static unsafe class TraceeMemory
{
    /// <summary>Upstream's path buffer: a path must fit in 4,096 bytes with its terminating NUL.</summary>
    public const int PathMax = 4096;

    private const int PageSize = 4096;

    /// <summary>Result of reading a C string.</summary>
    public enum ReadStatus
    {
        /// <summary>The string was read.</summary>
        Ok,

        /// <summary>No NUL within <see cref="PathMax"/> bytes.</summary>
        TooLong,

        /// <summary>The address is not readable.</summary>
        Unreadable,
    }

    /// <summary>Reads a NUL-terminated string of at most <see cref="PathMax"/> bytes including the NUL.</summary>
    public static ReadStatus ReadCString(int tid, ulong address, out string? value)
    {
        value = null;
        if (address == 0)
        {
            return ReadStatus.Unreadable;
        }

        var buffer = stackalloc byte[PathMax];
        var total = 0;
        while (total < PathMax)
        {
            // Read up to the end of the page so a string ending just before unmapped memory still reads.
            var current = address + (ulong)total;
            var chunk = (int)Math.Min((ulong)(PathMax - total), PageSize - (current % PageSize));
            var local = new PtraceInterop.IoVector { Base = (nint)(buffer + total), Length = (nuint)chunk };
            var remote = new PtraceInterop.IoVector { Base = (nint)current, Length = (nuint)chunk };
            var read = (int)PtraceInterop.ProcessVmReadv(tid, &local, 1, &remote, 1, 0);
            if (read <= 0)
            {
                return ReadStatus.Unreadable;
            }

            var span = new ReadOnlySpan<byte>(buffer + total, read);
            var nul = span.IndexOf((byte)0);
            if (nul >= 0)
            {
                value = System.Text.Encoding.UTF8.GetString(buffer, total + nul);
                return ReadStatus.Ok;
            }

            total += read;
        }

        return ReadStatus.TooLong;
    }

    /// <summary>Reads one 64-bit little-endian word, or null.</summary>
    public static ulong? ReadUInt64(int tid, ulong address)
    {
        ulong value;
        var local = new PtraceInterop.IoVector { Base = (nint)(&value), Length = sizeof(ulong) };
        var remote = new PtraceInterop.IoVector { Base = (nint)address, Length = sizeof(ulong) };
        return PtraceInterop.ProcessVmReadv(tid, &local, 1, &remote, 1, 0) == sizeof(ulong) ? value : null;
    }
}
