namespace SpoSdk.Admission;

/// <summary>Settings the pod webhooks that keep books in their owner's status (binding, recording) share.</summary>
public abstract record PodWebhookOptions
{
    /// <summary>Recording a new pod in its binding or recording failed: refuse the pod (upstream, the default) or let it through.</summary>
    public BookkeepingFailurePolicy CreateBookkeepingFailure { get; init; } = BookkeepingFailurePolicy.Deny;

    /// <summary>
    /// Removing a deleted pod from its binding or recording failed: let the deletion through with a
    /// warning (the default) or refuse it as upstream does. Refusing a deletion protects nothing and,
    /// with a missing RBAC rule (#3423), makes pods undeletable.
    /// </summary>
    public BookkeepingFailurePolicy DeleteBookkeepingFailure { get; init; } = BookkeepingFailurePolicy.Allow;

    /// <summary>
    /// Also check the namespace's opt-in label (<c>spo.x-k8s.io/enable-binding</c> or
    /// <c>spo.x-k8s.io/enable-recording</c>) in the handler. Off by default: the webhook
    /// configuration's namespaceSelector already does it, and SPOD <c>webhook.options</c> may
    /// deliberately widen that selector.
    /// </summary>
    public bool RequireNamespaceLabel { get; init; }
}
