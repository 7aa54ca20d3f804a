#!/bin/bash
# Writes the committed module of a git revision (default: main) to __tests__/fixtures/module-baseline/:
# the module as planned before Auto Scaling servers and monitoring, which default-plan.test.ts
# compares the current module with. Refresh it (from the revision the current branch started from)
# when a deliberate change of instance mode's plan lands on that revision, and drop that change from
# the test's deliberately() list.
set -euo pipefail
revision="${1:-main}"
module="modules/ollama-service-multi-servers"
target="__tests__/fixtures/module-baseline"
rm -rf "$target"
git ls-tree -r --name-only "$revision" "$module" | grep -v '/README.md$' | while read -r file; do
  mkdir -p "$target/$(dirname "${file#"$module"/}")"
  git show "$revision:$file" > "$target/${file#"$module"/}"
done
echo "$revision $(git rev-parse "$revision")" > "$target/REVISION"
echo "wrote $target from $revision"
