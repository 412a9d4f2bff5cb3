using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;

namespace SpoSdk.Runtime.Backends;

/// <summary>Reading a long list page by page, as client-go's pager does.</summary>
public static class ResourceClientPaging
{
    /// <summary>How many objects a page holds when the options do not say.</summary>
    public const int DefaultPageSize = 500;

    /// <summary>
    /// Every object matching <paramref name="options"/> (selectors; <c>Limit</c> is the page size, <c>Continue</c>
    /// where to start), requesting one page at a time so a long list is never held at once. An expired
    /// continue token ends the enumeration with <see cref="ResourceGoneException"/>: list again.
    /// </summary>
    public static async IAsyncEnumerable<T> ListPagesAsync<T>(IResourceClient<T> client, string? @namespace, ListOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(client);
        var page = (options ?? new ListOptions()) with { Limit = options?.Limit is > 0 and var limit ? limit : DefaultPageSize };
        while (true)
        {
            var list = await client.ListAsync(@namespace, page, cancellationToken).ConfigureAwait(false);
            foreach (var item in list.Items)
            {
                yield return item;
            }

            if (string.IsNullOrEmpty(list.Continue))
            {
                yield break;
            }

            page = page with { Continue = list.Continue };
        }
    }
}
