namespace SpoSdk.Tests.Audit;

/// <summary>Timing tests run alone, after the parallel ones, so other tests' load does not skew them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "Audit timing";
}
