using System.Buffers;
using System.Globalization;

namespace SpoSdk.Audit.Output;

/// <summary>A growable character buffer that starts on the caller's stack and rents from the shared pool when it must grow.</summary>
internal ref struct CharBuilder
{
    private char[]? _rented;
    private Span<char> _chars;
    private int _length;

    public CharBuilder(Span<char> initial)
    {
        _rented = null;
        _chars = initial;
        _length = 0;
    }

    public readonly ReadOnlySpan<char> Written => _chars[.._length];

    public void Append(char c)
    {
        if (_length == _chars.Length)
        {
            Grow(1);
        }

        _chars[_length++] = c;
    }

    public void Append(scoped ReadOnlySpan<char> text)
    {
        if (_length + text.Length > _chars.Length)
        {
            Grow(text.Length);
        }

        text.CopyTo(_chars[_length..]);
        _length += text.Length;
    }

    public void Append(long value)
    {
        int written;
        while (!value.TryFormat(_chars[_length..], out written, default, CultureInfo.InvariantCulture))
        {
            Grow(20);
        }

        _length += written;
    }

    public void Append(ulong value)
    {
        int written;
        while (!value.TryFormat(_chars[_length..], out written, default, CultureInfo.InvariantCulture))
        {
            Grow(20);
        }

        _length += written;
    }

    /// <summary>Appends <paramref name="value"/> zero-padded (or space-padded) to <paramref name="width"/>.</summary>
    public void AppendPadded(int value, int width, char pad)
    {
        Span<char> digits = stackalloc char[11];
        value.TryFormat(digits, out var count, default, CultureInfo.InvariantCulture);
        for (var i = count; i < width; i++)
        {
            Append(pad);
        }

        Append(digits[..count]);
    }

    public void Dispose()
    {
        if (_rented is not null)
        {
            ArrayPool<char>.Shared.Return(_rented);
            _rented = null;
        }
    }

    private void Grow(int needed)
    {
        var next = ArrayPool<char>.Shared.Rent(Math.Max(_chars.Length * 2, _length + needed));
        _chars[.._length].CopyTo(next);
        if (_rented is not null)
        {
            ArrayPool<char>.Shared.Return(_rented);
        }

        _rented = next;
        _chars = next;
    }
}
