namespace SpoSdk.Profiles.NodeStatus;

/// <summary>How per-node states combine into a profile's state, and what each means for the Ready condition.</summary>
public static class ProfileStates
{
    // Upstream's order: the lowest state on any node is the profile's state.
    private static readonly string[] Rank = ["Error", "Terminating", "Partial", "Disabled", "Pending", "InProgress", "Installed"];

    /// <summary>The lower of two states; unknown states rank lowest, as upstream.</summary>
    public static string Lower(string a, string b) => RankOf(a) <= RankOf(b) ? a : b;

    /// <summary>The profile state for the nodes' states: Installed when every node installed it.</summary>
    public static string Aggregate(IEnumerable<string> nodeStates) => nodeStates.Aggregate("Installed", Lower);

    /// <summary>The Ready condition for a profile state: (status, reason).</summary>
    public static (string Status, string Reason) Ready(string state) => state switch
    {
        "Installed" => ("True", "Available"),
        "Pending" or "InProgress" or "" => ("False", "Creating"),
        "Terminating" => ("False", "Deleting"),
        _ => ("False", "Unavailable"),
    };

    private static int RankOf(string state) => Math.Max(0, Array.IndexOf(Rank, state));
}
