using Microsoft.AspNetCore.Builder;

namespace SpoSdk.AspNetCore.Metrics;

/// <summary>Several mapped endpoints answering to conventions as one (e.g. <c>RequireHost</c> on both metrics paths).</summary>
internal sealed class EndpointConventionGroup(params IEndpointConventionBuilder[] builders) : IEndpointConventionBuilder
{
    public void Add(Action<EndpointBuilder> convention)
    {
        foreach (var builder in builders)
        {
            builder.Add(convention);
        }
    }

    public void Finally(Action<EndpointBuilder> finallyConvention)
    {
        foreach (var builder in builders)
        {
            builder.Finally(finallyConvention);
        }
    }
}
