using System.Text;
using Microsoft.Extensions.Logging;

namespace SpoSdk.Hosting;

/// <summary>A text writer that sends each completed line to a logger at Information: the enricher's default output in process.</summary>
internal sealed class LoggerLineWriter(ILogger logger) : TextWriter
{
    private readonly StringBuilder _line = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        if (value == '\n')
        {
            logger.LogInformation("{Line}", _line.ToString());
            _line.Clear();
        }
        else if (value != '\r')
        {
            _line.Append(value);
        }
    }
}
