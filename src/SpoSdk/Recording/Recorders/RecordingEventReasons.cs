namespace SpoSdk.Recording.Recorders;

/// <summary>The Event reasons the recorder and the merger use (upstream's where it has one).</summary>
public static class RecordingEventReasons
{
    /// <summary>Normal: a recorded profile was created or updated (upstream's reason).</summary>
    public const string ProfileCreated = "ProfileCreated";

    /// <summary>Normal: partial profiles were merged into one profile per container.</summary>
    public const string ProfilesMerged = "ProfilesMerged";

    /// <summary>Warning: a recording with <c>mergeStrategy: Containers</c> was deleted with nothing to merge (upstream's reason).</summary>
    public const string NoPartialProfiles = "NoPartialProfiles";

    /// <summary>Warning: a recorder hit a cap, so the profile may lack something the container did.</summary>
    public const string RecordingIncomplete = "RecordingIncomplete";

    /// <summary>Warning: the wanted profile name belongs to another object, so the profile got an alternative name.</summary>
    public const string ProfileNameTaken = "ProfileNameTaken";

    /// <summary>Warning: the recording's recorder is not available (see <see cref="ProfileRecorderRegistry.Unavailable"/>).</summary>
    public const string RecorderUnavailable = ProfileRecorderRegistry.UnavailableReason;
}
