using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace SpoSdk.Tests.Hosting;

/// <summary>Sends a hosted operator's log (Debug and up) to the test's output, so a failing test shows what the operator saw.</summary>
internal sealed class TestOutputLoggerProvider(ITestOutputHelper output) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(output, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(ITestOutputHelper output, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            try
            {
                output.WriteLine(logLevel + " " + category + ": " + formatter(state, exception) + (exception is null ? string.Empty : " " + exception));
            }
            catch (InvalidOperationException)
            {
                // Logged after the test ended.
            }
        }
    }
}
