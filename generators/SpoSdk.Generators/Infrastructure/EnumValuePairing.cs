using System;
using System.Collections.Generic;
using System.Linq;

namespace SpoSdk.Generators.Infrastructure;

/// <summary>
/// How an enum value of one API version pairs with a value of another: the same string, else the one that differs
/// only in case (v1alpha1 <c>logs</c> ↔ v1 <c>Logs</c>). The conversion planner and the SPO2001 code fix both use
/// this, so the fix renames values exactly as the generated converter converts them.
/// </summary>
internal static class EnumValuePairing
{
    /// <summary>The value of <paramref name="candidates"/> that <paramref name="value"/> converts to, or null when none pairs with it.</summary>
    public static string? Pair(IEnumerable<string> candidates, string value) =>
        candidates.FirstOrDefault(c => c == value)
        ?? candidates.FirstOrDefault(c => string.Equals(c, value, StringComparison.OrdinalIgnoreCase));
}
