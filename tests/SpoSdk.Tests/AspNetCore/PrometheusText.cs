using System.Globalization;
using System.Text;

namespace SpoSdk.Tests.AspNetCore;

/// <summary>One sample of a Prometheus text exposition.</summary>
internal sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>Reads the samples and TYPE lines of a Prometheus text exposition (enough of the format for assertions).</summary>
internal static class PrometheusText
{
    public static IReadOnlyList<PrometheusSample> Samples(string text)
    {
        var samples = new List<PrometheusSample>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#'))
            {
                continue;
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var space = line.LastIndexOf(' ');
            string name;
            if (brace >= 0 && brace < space)
            {
                name = line[..brace];
                ReadLabels(line, brace + 1, labels);
            }
            else
            {
                name = line[..space];
            }

            samples.Add(new PrometheusSample(name, labels, double.Parse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture)));
        }

        return samples;
    }

    public static string? TypeOf(string text, string name) =>
        text.Split('\n').FirstOrDefault(l => l.StartsWith("# TYPE " + name + " ", StringComparison.Ordinal))?.Split(' ')[3];

    private static void ReadLabels(string line, int at, Dictionary<string, string> labels)
    {
        while (line[at] != '}')
        {
            var equals = line.IndexOf('=', at);
            var key = line[at..equals];
            var value = new StringBuilder();
            var i = equals + 2;
            for (; line[i] != '"'; i++)
            {
                value.Append(line[i] == '\\' ? line[++i] switch { 'n' => '\n', var c => c } : line[i]);
            }

            labels[key] = value.ToString();
            at = line[i + 1] == ',' ? i + 2 : i + 1;
        }
    }
}
