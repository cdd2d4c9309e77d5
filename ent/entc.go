//go:build ignore

// entc.go drives code generation for ent and entgql. Run it through
// `go generate ./ent` (see ent/generate.go), which runs gqlgen afterwards:
// entgql rewrites schema/ent.graphql, which gqlgen then reads.
package main

import (
	"log"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"

	"github.com/aftercart/aftercart/ent/schema/sdl"
)

func main() {
	ex, err := entgql.NewExtension(
		entgql.WithSchemaGenerator(),
		entgql.WithSchemaPath("../schema/ent.graphql"),
		entgql.WithConfigPath("../gqlgen.yml"),
		entgql.WithWhereInputs(true),
		entgql.WithRelaySpec(true),
		entgql.WithSchemaHook(sdl.Hooks()...),
	)
	if err != nil {
		log.Fatalf("creating entgql extension: %v", err)
	}
	err = entc.Generate("./schema", &gen.Config{
		Features: []gen.Feature{
			gen.FeaturePrivacy,
			gen.FeatureEntQL,
			gen.FeatureIntercept,
			gen.FeatureUpsert,
			gen.FeatureLock,
			gen.FeatureGlobalID,
			gen.FeatureNamedEdges,
			gen.FeatureExecQuery,
			gen.FeatureVersionedMigration,
		},
	}, entc.Extensions(ex), entc.TemplateDir("./template"))
	if err != nil {
		log.Fatalf("running ent codegen: %v", err)
	}
}
