import type { FastifyInstance, FastifyReply } from 'fastify'
import type { Grants } from '../../../src/auth/guards.js'
import { PERMISSIONS } from '../../../src/auth/policy.js'
import {
  createDocument,
  deleteDocument,
  etagOf,
  findDocument,
  listDocuments,
  updateDocument,
  exactly,
  matcherFromIfMatch,
  type VersionMatcher
} from '../../../src/db/documents.js'
import { DocumentVersionRequiredError, ResourceNotFoundError } from '../../../src/errors.js'
import { ErrorRef } from '../../../src/schemas/common.js'
import {
  DocumentCreateSchema,
  DocumentListQuerySchema,
  DocumentListSchema,
  DocumentPatchSchema,
  DocumentSchema,
  IdParamsSchema,
  IfMatchHeadersSchema,
  type Document,
  type DocumentCreate,
  type DocumentListQuery,
  type DocumentPatch
} from '../../../src/schemas/documents.js'

const TAGS = ['documents']
const WRITE_ANY = [PERMISSIONS.writeDocuments, PERMISSIONS.writeOwnDocuments]
const AUTH_ERRORS = { 401: ErrorRef, 403: ErrorRef, 503: ErrorRef }

interface IdParams { id: string }
interface IfMatchHeaders { 'if-match'?: string }

function withEtag (reply: FastifyReply, document: Document): Document {
  reply.header('etag', etagOf(document.version))
  return document
}

// If-Match wins over a version in the body; one of the two is required.
function expectedVersion (headers: IfMatchHeaders, body: DocumentPatch): VersionMatcher {
  const ifMatch = headers['if-match']

  if (ifMatch !== undefined) return matcherFromIfMatch(ifMatch)
  if (body.version !== undefined) return exactly(body.version)
  throw new DocumentVersionRequiredError()
}

export default async function documentRoutes (fastify: FastifyInstance): Promise<void> {
  fastify.get<{ Querystring: DocumentListQuery }>('/', {
    config: { access: { permissions: [PERMISSIONS.readDocuments], stepUpForPrivilegedRoles: false } },
    schema: {
      tags: TAGS,
      summary: 'Documents the caller may see: own, shared with the caller\'s teams, or all for admins',
      operationId: 'listDocuments',
      querystring: DocumentListQuerySchema,
      response: { 200: DocumentListSchema, 400: ErrorRef, ...AUTH_ERRORS }
    }
  }, async (request) => {
    const grants: Grants = request.auth
    return await request.withUserDb((queries) => listDocuments(queries, grants, request.query))
  })

  fastify.post<{ Body: DocumentCreate }>('/', {
    config: { access: { permissions: WRITE_ANY, mode: 'any' } },
    schema: {
      tags: TAGS,
      summary: 'Create a document owned by the caller, optionally shared with one of its teams',
      operationId: 'createDocument',
      body: DocumentCreateSchema,
      response: { 201: DocumentSchema, 400: ErrorRef, ...AUTH_ERRORS }
    }
  }, async (request, reply) => {
    const document = await request.withUserDb((queries) => createDocument(queries, request.body))

    reply.code(201).header('location', `${request.url.split('?')[0]}/${document.id}`)
    return withEtag(reply, document)
  })

  fastify.get<{ Params: IdParams }>('/:id', {
    config: { access: { permissions: [PERMISSIONS.readDocuments], stepUpForPrivilegedRoles: false } },
    schema: {
      tags: TAGS,
      summary: 'One document; 404 both when it does not exist and when the caller may not see it',
      operationId: 'getDocument',
      params: IdParamsSchema,
      response: { 200: DocumentSchema, 400: ErrorRef, 404: ErrorRef, ...AUTH_ERRORS }
    }
  }, async (request, reply) => {
    const document = await request.withUserDb((queries) => findDocument(queries, request.params.id))
    if (!document) throw new ResourceNotFoundError('Document')
    return withEtag(reply, document)
  })

  fastify.patch<{ Params: IdParams, Body: DocumentPatch, Headers: IfMatchHeaders }>('/:id', {
    config: { access: { permissions: WRITE_ANY, mode: 'any' } },
    schema: {
      tags: TAGS,
      summary: 'Change a document at a known version (If-Match: "<version>" or a version field)',
      operationId: 'updateDocument',
      params: IdParamsSchema,
      headers: IfMatchHeadersSchema,
      body: DocumentPatchSchema,
      response: {
        200: DocumentSchema,
        400: ErrorRef,
        404: ErrorRef,
        412: ErrorRef,
        428: ErrorRef,
        ...AUTH_ERRORS
      }
    }
  }, async (request, reply) => {
    const version = expectedVersion(request.headers, request.body)
    const grants: Grants = request.auth
    const document = await request.withUserDb((queries) =>
      updateDocument(queries, grants, request.params.id, request.body, version))
    return withEtag(reply, document)
  })

  fastify.delete<{ Params: IdParams, Headers: IfMatchHeaders }>('/:id', {
    config: { access: { permissions: [PERMISSIONS.deleteDocuments] } },
    schema: {
      tags: TAGS,
      summary: 'Delete a document; with If-Match only at that version',
      operationId: 'deleteDocument',
      params: IdParamsSchema,
      headers: IfMatchHeadersSchema,
      response: {
        204: { type: 'null', description: 'deleted' },
        400: ErrorRef,
        404: ErrorRef,
        412: ErrorRef,
        ...AUTH_ERRORS
      }
    }
  }, async (request, reply) => {
    const ifMatch = request.headers['if-match']
    const version = ifMatch === undefined ? undefined : matcherFromIfMatch(ifMatch)

    await request.withUserDb((queries) => deleteDocument(queries, request.params.id, version))
    reply.code(204)
  })
}
