using System.Net.Http.Headers;
using System.Text;

namespace SpoSdk.Oci.Authentication;

/// <summary>One <c>WWW-Authenticate</c> challenge: its scheme and parameters (<c>realm</c>, <c>service</c>, <c>scope</c>, ...).</summary>
/// <param name="Scheme">The scheme, e.g. <c>Bearer</c> or <c>Basic</c>.</param>
/// <param name="Parameters">The parameters, keys compared case-insensitively.</param>
public sealed record AuthChallenge(string Scheme, IReadOnlyDictionary<string, string> Parameters)
{
    /// <summary>The parameter <paramref name="name"/>, or null.</summary>
    public string? this[string name] => Parameters.TryGetValue(name, out var value) ? value : null;

    /// <summary>The challenges of a 401 response, in order; unparseable ones are skipped.</summary>
    public static IReadOnlyList<AuthChallenge> FromHeaders(HttpHeaderValueCollection<AuthenticationHeaderValue> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        return headers.Select(h => new AuthChallenge(h.Scheme, ParseParameters(h.Parameter ?? string.Empty))).ToList();
    }

    /// <summary>Parses <c>key=value, key="quoted \" value"</c> lists as RFC 7235 auth-params.</summary>
    public static IReadOnlyDictionary<string, string> ParseParameters(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && (text[i] == ',' || char.IsWhiteSpace(text[i])))
            {
                i++;
            }

            var keyStart = i;
            while (i < text.Length && text[i] != '=' && text[i] != ',')
            {
                i++;
            }

            var key = text[keyStart..i].Trim();
            if (i >= text.Length || text[i] != '=')
            {
                continue;
            }

            i++;
            while (i < text.Length && text[i] == ' ')
            {
                i++;
            }

            string value;
            if (i < text.Length && text[i] == '"')
            {
                var builder = new StringBuilder();
                i++;
                while (i < text.Length && text[i] != '"')
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        i++;
                    }

                    builder.Append(text[i++]);
                }

                i++;
                value = builder.ToString();
            }
            else
            {
                var valueStart = i;
                while (i < text.Length && text[i] != ',')
                {
                    i++;
                }

                value = text[valueStart..i].Trim();
            }

            if (key.Length > 0)
            {
                result[key] = value;
            }
        }

        return result;
    }
}
