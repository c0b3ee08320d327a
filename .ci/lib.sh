# Helpers shared by .ci/run and .ci/newcomer (sourced, not run).
#
# The README's "two commands" block is the one place both the README and CI read: CI runs its
# first line to serve and its second to test, so the two cannot drift apart.

# The command lines of the first ```sh block under "## The two commands" in README.md, one per
# line, with their trailing comments (` # ...`) removed.
readme_commands() {
    awk '/^## The two commands/ { section = 1 }
         section && /^```sh/ { block = 1; next }
         block && /^```/ { exit }
         block { print }' README.md |
        sed -E 's/[[:space:]]+#.*$//' | sed '/^[[:space:]]*$/d'
}

# Line N of that block (1: serve, 2: test); fails when the block has no such line.
readme_command() {
    local line
    line=$(readme_commands | sed -n "${1}p")
    [ -n "$line" ] || { echo "README.md: the two-commands block has no line $1" >&2; return 1; }
    printf '%s\n' "$line"
}

# Every line of every ```sh block of README.md and docs/*.md, except the two-commands block,
# as "FILE<TAB>LINE", comment lines and blank lines left out.
doc_commands() {
    local file
    for file in README.md docs/*.md; do
        [ -f "$file" ] || continue
        awk -v file="$file" '
            /^## / { section = $0 }
            /^```sh[[:space:]]*$/ { block = 1; next }
            block && /^```/ { block = 0; next }
            block && section !~ /^## The two commands/ && $0 !~ /^[[:space:]]*(#|$)/ {
                print file "\t" $0
            }' "$file"
    done
}
