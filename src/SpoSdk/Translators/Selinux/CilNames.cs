namespace SpoSdk.Translators.Selinux;

/// <summary>What CIL accepts as a declared name, and the character sets upstream allows in rules.</summary>
internal static class CilNames
{
    /// <summary>
    /// A CIL declaration name (secilc's <c>cil_verify_name</c>): an ASCII letter first, then letters,
    /// digits, <c>_</c> or <c>-</c>. Kubernetes names may start with a digit or hold dots; CIL rejects
    /// both, so such a profile could never be installed.
    /// </summary>
    public static bool IsDeclarationName(string name)
    {
        if (name.Length == 0 || !char.IsAsciiLetter(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A reference to a block: declaration names joined by dots (e.g. <c>a.b</c>).</summary>
    public static bool IsQualifiedName(string name)
    {
        foreach (var part in name.Split('.'))
        {
            if (!IsDeclarationName(part))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The words secilc reads as an operator at the head of an expression (<c>cil_build_ast.c</c>'s
    /// <c>__cil_get_expr_operator_flavor</c>). In a permission list <c>( file ( all ) )</c> grants every
    /// permission of the class and <c>( file ( not read ) )</c> every one but read, past any deny list, so
    /// none of them may be written as a permission. Case-sensitive, as secilc is.
    /// </summary>
    public static bool IsExpressionOperator(string word) =>
        word is "all" or "not" or "and" or "or" or "xor" or "eq" or "neq" or "dom" or "domby" or "incomp" or "range";

    /// <summary>Upstream's <c>^[a-zA-Z0-9.\-_]+$</c> for labels, classes and permissions.</summary>
    public static bool IsRuleWord(string word)
    {
        if (word.Length == 0)
        {
            return false;
        }

        foreach (var c in word)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }
}
