import { builder, requires, typeRequires } from '../../graphql/builder.ts'
import { connectionOf } from '../../graphql/connections.ts'
import { inputFromZod } from '../../graphql/inputs.ts'
import { parseId } from '../../validation.ts'
import {
  cities,
  CityFilter,
  CityInput,
  countries,
  CountryFilter,
  CountryInput,
  RegionFilter,
  RegionInput,
  regions,
  UpdateCityInput,
  UpdateCountryInput,
  UpdateRegionInput,
} from './geo.service.ts'

export const CountryRef = builder.prismaObject('Country', {
  ...typeRequires('directory.read'),
  fields: (t) => ({
    id: t.exposeID('id'),
    code: t.exposeString('code'),
    name: t.exposeString('name'),
    regions: t.relation('regions', { query: { orderBy: { name: 'asc' } } }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

export const RegionRef = builder.prismaObject('Region', {
  ...typeRequires('directory.read'),
  fields: (t) => ({
    id: t.exposeID('id'),
    code: t.exposeString('code', { nullable: true }),
    name: t.exposeString('name'),
    country: t.relation('country'),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

export const CityRef = builder.prismaObject('City', {
  ...typeRequires('directory.read'),
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    latitude: t.exposeFloat('latitude', { nullable: true }),
    longitude: t.exposeFloat('longitude', { nullable: true }),
    timezone: t.exposeString('timezone', { nullable: true }),
    country: t.relation('country'),
    region: t.relation('region', { nullable: true }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
})

const CountryFilterInput = inputFromZod('CountryFilter', CountryFilter)
const RegionFilterInput = inputFromZod('RegionFilter', RegionFilter)
const CityFilterInput = inputFromZod('CityFilter', CityFilter)

builder.queryFields((t) => ({
  country: t.prismaField({
    ...requires('directory.read'),
    type: 'Country',
    args: { code: t.arg.string({ required: true }) },
    resolve: (query, _root, args, ctx) => countries.get(ctx, args.code, query),
  }),
  countries: t.connection(
    {
      ...requires('directory.read'),
      type: CountryRef,
      args: { filter: t.arg({ type: CountryFilterInput }) },
      resolve: (_root, args, ctx, info) =>
        connectionOf(ctx, info, args, (page, query) => countries.list(ctx, args.filter ?? {}, page, query)),
    },
    { name: 'CountryConnection' },
    { name: 'CountryEdge' },
  ),
  regions: t.connection(
    {
      ...requires('directory.read'),
      type: RegionRef,
      args: { filter: t.arg({ type: RegionFilterInput }) },
      resolve: (_root, args, ctx, info) =>
        connectionOf(ctx, info, args, (page, query) => regions.list(ctx, args.filter ?? {}, page, query)),
    },
    { name: 'RegionConnection' },
    { name: 'RegionEdge' },
  ),
  city: t.prismaField({
    ...requires('directory.read'),
    type: 'City',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => cities.get(ctx, parseId(args.id), query),
  }),
  cities: t.connection(
    {
      ...requires('directory.read'),
      type: CityRef,
      args: { filter: t.arg({ type: CityFilterInput }) },
      resolve: (_root, args, ctx, info) => connectionOf(ctx, info, args, (page, query) => cities.list(ctx, args.filter ?? {}, page, query)),
    },
    { name: 'CityConnection' },
    { name: 'CityEdge' },
  ),
}))

const CountryInputType = inputFromZod('CountryInput', CountryInput)
const UpdateCountryInputType = inputFromZod('UpdateCountryInput', UpdateCountryInput)
const RegionInputType = inputFromZod('RegionInput', RegionInput)
const UpdateRegionInputType = inputFromZod('UpdateRegionInput', UpdateRegionInput)
const CityInputType = inputFromZod('CityInput', CityInput)
const UpdateCityInputType = inputFromZod('UpdateCityInput', UpdateCityInput)

builder.mutationFields((t) => ({
  createCountry: t.field({
    ...requires('directory.curate'),
    type: CountryRef,
    args: { input: t.arg({ type: CountryInputType, required: true }) },
    resolve: (_root, args, ctx) => countries.create(ctx, args.input),
  }),
  updateCountry: t.field({
    ...requires('directory.curate'),
    type: CountryRef,
    args: { code: t.arg.string({ required: true }), input: t.arg({ type: UpdateCountryInputType, required: true }) },
    resolve: (_root, args, ctx) => countries.update(ctx, args.code, args.input),
  }),
  createRegion: t.field({
    ...requires('directory.curate'),
    type: RegionRef,
    args: { input: t.arg({ type: RegionInputType, required: true }) },
    resolve: (_root, args, ctx) => regions.create(ctx, args.input),
  }),
  updateRegion: t.field({
    ...requires('directory.curate'),
    type: RegionRef,
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateRegionInputType, required: true }) },
    resolve: (_root, args, ctx) => regions.update(ctx, parseId(args.id), args.input),
  }),
  createCity: t.field({
    ...requires('directory.curate'),
    type: CityRef,
    args: { input: t.arg({ type: CityInputType, required: true }) },
    resolve: (_root, args, ctx) => cities.create(ctx, args.input),
  }),
  updateCity: t.field({
    ...requires('directory.curate'),
    type: CityRef,
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateCityInputType, required: true }) },
    resolve: (_root, args, ctx) => cities.update(ctx, parseId(args.id), args.input),
  }),
}))
