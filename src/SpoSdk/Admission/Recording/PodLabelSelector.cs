using System.Diagnostics.CodeAnalysis;
using SpoSdk.Api.V1;

namespace SpoSdk.Admission.Recording;

/// <summary>
/// A ProfileRecording's <c>spec.podSelector</c> as a matcher, with the rules of apimachinery's
/// <c>LabelSelectorAsSelector</c>: all <c>matchLabels</c> and all <c>matchExpressions</c> must hold;
/// <c>In</c>/<c>NotIn</c> need values, <c>Exists</c>/<c>DoesNotExist</c> take none; an empty selector
/// matches every pod.
/// </summary>
public sealed class PodLabelSelector
{
    private readonly IReadOnlyList<Func<IReadOnlyDictionary<string, string>, bool>> _requirements;

    private PodLabelSelector(IReadOnlyList<Func<IReadOnlyDictionary<string, string>, bool>> requirements)
    {
        _requirements = requirements;
    }

    /// <summary>Whether the labels satisfy every requirement.</summary>
    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        foreach (var requirement in _requirements)
        {
            if (!requirement(labels))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Builds the matcher; false with the reason when the selector is invalid.</summary>
    public static bool TryCreate(ProfileRecordingLabelSelector? selector, [NotNullWhen(true)] out PodLabelSelector? matcher, [NotNullWhen(false)] out string? error)
    {
        matcher = null;
        error = null;
        var requirements = new List<Func<IReadOnlyDictionary<string, string>, bool>>();
        foreach (var (key, value) in selector?.MatchLabels ?? new Dictionary<string, string>())
        {
            if (key.Length == 0)
            {
                error = "matchLabels has an empty key";
                return false;
            }

            requirements.Add(labels => labels.TryGetValue(key, out var actual) && actual == value);
        }

        foreach (var expression in selector?.MatchExpressions ?? [])
        {
            if (string.IsNullOrEmpty(expression?.Key))
            {
                error = "matchExpressions has an entry without key";
                return false;
            }

            var key = expression.Key;
            var values = expression.Values ?? [];
            switch (expression.Operator)
            {
                case "In" or "NotIn" when values.Count == 0:
                    error = "matchExpressions[" + key + "]: values must be non-empty for operator " + expression.Operator;
                    return false;
                case "Exists" or "DoesNotExist" when values.Count > 0:
                    error = "matchExpressions[" + key + "]: values must be empty for operator " + expression.Operator;
                    return false;
                case "In":
                    var inSet = values.ToHashSet(StringComparer.Ordinal);
                    requirements.Add(labels => labels.TryGetValue(key, out var actual) && inSet.Contains(actual));
                    break;
                case "NotIn":
                    var notInSet = values.ToHashSet(StringComparer.Ordinal);
                    requirements.Add(labels => !labels.TryGetValue(key, out var actual) || !notInSet.Contains(actual));
                    break;
                case "Exists":
                    requirements.Add(labels => labels.ContainsKey(key));
                    break;
                case "DoesNotExist":
                    requirements.Add(labels => !labels.ContainsKey(key));
                    break;
                default:
                    error = "matchExpressions[" + key + "]: \"" + expression.Operator + "\" is not a valid label selector operator";
                    return false;
            }
        }

        matcher = new PodLabelSelector(requirements);
        return true;
    }
}
